import { VersionAnnouncer } from '@app/redis';

/** Announces a committed policy-set version to every policy cache. Best effort: caches also poll. */
export class PolicyChangePublisher extends VersionAnnouncer {}
