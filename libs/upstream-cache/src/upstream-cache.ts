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
 * announcements, polling, last good set while Postgres is unreachable, coalesced reloads: see
 * VersionFollower). Reads are synchronous for the gateway's hot path. Before a first load no
 * upstream is known (`loaded` is false and readiness waits for it).
 */
export class UpstreamCache {
  private readonly follower: VersionFollower<UpstreamEntity[], UpstreamSet>;

  constructor(source: UpstreamSetSource, subscriber: Redis, options: UpstreamCacheOptions) {
    this.follower = new VersionFollower<UpstreamEntity[], UpstreamSet>(
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

  /** Loads the current set (a failure is logged and retried by the poll) and starts listening. */
  start(): Promise<void> {
    return this.follower.start();
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }

  /** The registered upstream of that name, enabled or not. */
  get(name: string): UpstreamView | undefined {
    return this.set.byName.get(name);
  }

  /** Every registered upstream, by name. The array is frozen: callers must not sort it in place. */
  list(): readonly UpstreamView[] {
    return this.set.list;
  }

  /** The served set's version; -1 before the first load. */
  get version(): number {
    return this.follower.version;
  }

  get loaded(): boolean {
    return this.follower.value !== undefined;
  }

  /** Why the last reload failed (null once one succeeds again). */
  get error(): string | null {
    return this.follower.error;
  }

  /** Reloads if the source's version differs from ours; concurrent calls share one reload. */
  refresh(): Promise<void> {
    return this.follower.refresh();
  }

  /** Waits until the cache holds at least `version` (read-your-writes after an admin change). */
  ensureVersion(version: number): Promise<void> {
    return this.follower.ensureVersion(version);
  }

  private get set(): UpstreamSet {
    return this.follower.value ?? NOTHING_LOADED;
  }
}
