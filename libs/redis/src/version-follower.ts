import type Redis from 'ioredis';

/** Where a follower reads committed data from (a repository in production). */
export interface VersionedSource<R> {
  /** The committed version, cheap to read: compared on every announcement and poll. */
  currentVersion(): Promise<number>;
  /** The committed data and the version it belongs to, read atomically. */
  load(): Promise<{ version: number; data: R }>;
}

export interface VersionFollowerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface VersionFollowerOptions<R, T> {
  /** Redis channel on which committed versions are announced. */
  channel: string;
  /** Safety net for missed messages: compare versions with the source this often. */
  pollIntervalMs: number;
  /** Names what is followed in log lines ("policy set", "upstreams"). */
  label: string;
  /** Turns loaded data into what is served (compiled, frozen); a throw keeps the last good value. */
  build: (data: R, version: number) => T | Promise<T>;
  /** Fields of the "loaded" log line (sizes, never contents). */
  describe?: (value: T) => object;
  logger?: VersionFollowerLogger;
}

/**
 * A value built from the database that follows it: reloads when a newer version is announced on
 * Redis, compares versions periodically in case an announcement was missed, and keeps serving the
 * last good value while the source is unreachable. Concurrent refreshes share one reload, and a
 * refresh asked for during a reload runs once more after it (the reload may have read too early).
 * The base of the caches (policy set, upstreams): each adds its own reads of `value`, which stays
 * undefined until a first load succeeds; the cache decides what that means (the policy cache
 * denies everything).
 */
export class VersionFollower<R, T> {
  private current: { version: number; value: T } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastError: string | null = null;

  constructor(
    private readonly source: VersionedSource<R>,
    private readonly subscriber: Redis,
    private readonly options: VersionFollowerOptions<R, T>,
  ) {}

  /** Loads the current value (a failure is logged and retried by the poll) and starts listening. */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.options.channel) {
        return;
      }
      const announced = Number(message);
      if (Number.isSafeInteger(announced) && announced > this.version) {
        void this.refresh();
      }
    });
    // After a reconnect we may have missed announcements: check at once.
    this.subscriber.on('ready', () => void this.refresh());
    await this.subscriber.subscribe(this.options.channel).catch((error: unknown) => {
      this.options.logger?.warn(
        { err: error },
        `${this.options.label} cache: subscribe failed; relying on polling`,
      );
    });
    await this.refresh();
    this.schedulePoll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** The served value's version; -1 before the first load. */
  get version(): number {
    return this.current?.version ?? -1;
  }

  /** Whether a first load succeeded (readiness waits for it). */
  get loaded(): boolean {
    return this.current !== undefined;
  }

  protected get value(): T | undefined {
    return this.current?.value;
  }

  /** Why the last reload failed (null once one succeeds again). */
  get error(): string | null {
    return this.lastError;
  }

  /** Reloads if the source's version differs from ours; concurrent calls share one reload. */
  refresh(): Promise<void> {
    if (this.stopped) {
      return Promise.resolve();
    }
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.reload().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.running;
  }

  /** Waits until the value is at least `version` (read-your-writes after a commit). */
  async ensureVersion(version: number): Promise<void> {
    if (this.version >= version) {
      return;
    }
    await this.refresh();
    // The refresh joined may have read before the commit: one more reads after it.
    if (this.version < version) {
      await this.refresh();
    }
  }

  private async reload(): Promise<void> {
    try {
      // Any difference reloads, including a lower version (a database restored from backup).
      const latest = await this.source.currentVersion();
      if (this.current && latest === this.current.version) {
        this.lastError = null;
        return;
      }
      const { version, data } = await this.source.load();
      if (this.current && version === this.current.version) {
        return;
      }
      const value = await this.options.build(data, version);
      this.current = { version, value };
      this.lastError = null;
      this.options.logger?.info(
        { version, ...this.options.describe?.(value) },
        `${this.options.label} loaded`,
      );
    } catch (error) {
      this.lastError = (error as Error).message;
      this.options.logger?.warn(
        { err: error, version: this.version },
        `${this.options.label} cache: reload failed; serving the last good value`,
      );
    }
  }

  private schedulePoll(): void {
    if (this.stopped) {
      return;
    }
    this.timer = setTimeout(() => {
      void this.refresh().finally(() => this.schedulePoll());
    }, this.options.pollIntervalMs);
    this.timer.unref();
  }
}
