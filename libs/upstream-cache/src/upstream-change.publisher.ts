import { VersionAnnouncer } from '@app/redis';

/** Announces a committed upstream-set version to every upstream cache. Best effort: caches poll. */
export class UpstreamChangePublisher extends VersionAnnouncer {}
