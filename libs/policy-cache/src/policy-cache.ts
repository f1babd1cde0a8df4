import type Redis from 'ioredis';
import { CompiledPolicySet, type Decision, type Policy, type Resolution } from '@app/policy-engine';

/** Where a cache reads committed policy sets from (the policy repository in production). */
export interface PolicySetSource {
  currentVersion(): Promise<number>;
  loadSet(): Promise<{ version: number; policies: Policy[] }>;
}

export interface PolicyCacheLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PolicyCacheOptions {
  /** Redis channel on which committed versions are announced. */
  channel: string;
  /** Safety net for missed messages: compare versions with the source this often. */
  pollIntervalMs: number;
  defaultDecision: Decision;
  logger?: PolicyCacheLogger;
}

// Before the first load every tool is denied, whatever POLICY_DEFAULT says (fail closed).
const NOTHING_LOADED = CompiledPolicySet.compile([], { version: -1, defaultDecision: 'deny' });

/** Redis channel name for policy-set change announcements under a key prefix. */
export function policyChannel(keyPrefix: string): string {
  return `${keyPrefix}policy-set:changed`;
}

/**
 * In-memory compiled policy set that follows the database: reloads when a new version is
 * announced on Redis, checks the version periodically in case an announcement was missed, and
 * keeps serving the last good set while the source is unreachable. Until a first set is loaded,
 * every tool resolves to deny (fail closed).
 */
export class PolicyCache {
  private set: CompiledPolicySet | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastError: string | null = null;

  constructor(
    private readonly source: PolicySetSource,
    private readonly subscriber: Redis,
    private readonly options: PolicyCacheOptions,
  ) {}

  /** Loads the current set (a failure is logged and retried by the poll) and starts listening. */
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
        'policy cache: subscribe failed; relying on polling',
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

  get version(): number {
    return this.set?.version ?? -1;
  }

  get loaded(): boolean {
    return this.set !== null;
  }

  get error(): string | null {
    return this.lastError;
  }

  resolve(tool: string): Resolution {
    return (this.set ?? NOTHING_LOADED).resolve(tool);
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

  /** Waits until the cache holds at least `version` (read-your-writes for the admin API). */
  async ensureVersion(version: number): Promise<void> {
    if (this.version >= version) {
      return;
    }
    await this.refresh();
    if (this.version < version) {
      await this.refresh();
    }
  }

  private async reload(): Promise<void> {
    try {
      // Any difference reloads, including a lower version (a database restored from backup).
      const latest = await this.source.currentVersion();
      if (this.set && latest === this.set.version) {
        this.lastError = null;
        return;
      }
      const { version, policies } = await this.source.loadSet();
      if (this.set && version === this.set.version) {
        return;
      }
      const compiled = await CompiledPolicySet.compileAsync(policies, {
        version,
        defaultDecision: this.options.defaultDecision,
      });
      this.set = compiled;
      this.lastError = null;
      this.options.logger?.info({ version, policies: compiled.size }, 'policy set loaded');
    } catch (error) {
      this.lastError = (error as Error).message;
      this.options.logger?.warn(
        { err: error, version: this.version },
        'policy cache: reload failed; serving the last good set',
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
