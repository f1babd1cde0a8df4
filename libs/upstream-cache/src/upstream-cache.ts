import type Redis from 'ioredis';
import type { UpstreamEntity } from '@app/persistence';
import { VersionFollower, type VersionFollowerLogger } from '@app/redis';
import { toUpstreamView, type UpstreamView } from './upstream-view';

/** Where a cache reads the committed upstream set from (the upstream repository in production). */
export interface UpstreamSetSource {
  currentVersion(): Promise<number>;
  loadSet(): Promise<{ version: number; upstreams: UpstreamEntity[] }>;
}

export interface UpstreamCacheOptions {
  /** Redis channel on which committed versions are announced (`upstreamChannel(prefix)`). */
  channel: string;
  /** Safety net for missed messages: compare versions with the source this often. */
  pollIntervalMs: number;
  logger?: VersionFollowerLogger;
}

interface UpstreamSet {
  readonly byName: ReadonlyMap<string, UpstreamView>;
  readonly list: readonly UpstreamView[];
}

const NOTHING_LOADED: UpstreamSet = { byName: new Map(), list: Object.freeze([]) };

/** Redis channel name for upstream-set change announcements under a key prefix. */
export function upstreamChannel(keyPrefix: string): string {
  return `${keyPrefix}upstreams:changed`;
}

/**
 * The registered upstreams in memory, following the database like the policy cache (Redis
 * announcements, polling, last good set while Postgres is unreachable, coalesced reloads,
 * `ensureVersion` for read-your-writes: see VersionFollower). Reads are synchronous for the
 * gateway's hot path. Before a first load no upstream is known (`loaded` is false; readiness
 * waits for it).
 */
export class UpstreamCache extends VersionFollower<UpstreamEntity[], UpstreamSet> {
  constructor(source: UpstreamSetSource, subscriber: Redis, options: UpstreamCacheOptions) {
    super(
      {
        currentVersion: () => source.currentVersion(),
        load: async () => {
          const { version, upstreams } = await source.loadSet();
          return { version, data: upstreams };
        },
      },
      subscriber,
      {
        channel: options.channel,
        pollIntervalMs: options.pollIntervalMs,
        label: 'upstreams',
        build: (rows) => {
          const list = Object.freeze(rows.map(toUpstreamView));
          return { byName: new Map(list.map((u) => [u.name, u])), list };
        },
        describe: (set) => ({ upstreams: set.list.length }),
        logger: options.logger,
      },
    );
  }

  /** The registered upstream of that name, enabled or not. */
  get(name: string): UpstreamView | undefined {
    return (this.value ?? NOTHING_LOADED).byName.get(name);
  }

  /** Every registered upstream, by name. The array is frozen: callers must not sort it in place. */
  list(): readonly UpstreamView[] {
    return (this.value ?? NOTHING_LOADED).list;
  }
}
