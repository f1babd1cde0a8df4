import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import { QUEUES } from '@app/jobs';
import { REDIS } from '@app/redis';
import { ConnectionStatsReader } from '../metrics/connection-stats.reader';
import { type ProviderHealth, RefreshHealthTracker } from '../metrics/refresh-health.tracker';
import { TokenRefreshProcessor } from '../refresh/token-refresh.processor';

export type ComponentHealth = 'healthy' | 'degraded' | 'unhealthy';

/** The seed's `/health/auth` answer (reference/001_guide.md "Check authentication system health"). */
export interface AuthHealth {
  healthy: boolean;
  providers: Record<string, ProviderHealth>;
  session_storage: ComponentHealth;
  token_refresh: ComponentHealth;
}

// A check that does not answer in time failed (the BullMQ connection waits for Redis forever).
const CHECK_TIMEOUT_MS = 2000;

/**
 * What `/health/auth` reports, from this workers process:
 * - session_storage: Redis answers a PING (the gateway's sessions and the queues live there);
 * - token_refresh: `unhealthy` when the refresh worker is not running or its queue or Postgres
 *   cannot be read; `degraded` above AUTH_HEALTH_MAX_FAILED_REFRESHES dead letters or
 *   AUTH_HEALTH_MAX_STRANDED_RATIO of connections needing re-auth;
 * - providers: every provider with connections or recent refresh attempts; `degraded` when its
 *   recent refreshes here all failed (RefreshHealthTracker).
 * Healthy only when all of them are.
 */
@Injectable()
export class AuthHealthService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @InjectQueue(QUEUES.tokenRefresh) private readonly queue: Queue,
    private readonly processor: TokenRefreshProcessor,
    private readonly stats: ConnectionStatsReader,
    private readonly tracker: RefreshHealthTracker,
    @Inject(APP_CONFIG) private readonly config: WorkersConfig,
  ) {}

  async check(): Promise<AuthHealth> {
    const [sessionStorage, tokenRefresh, providers] = await Promise.all([
      this.sessionStorage(),
      this.tokenRefresh(),
      this.providers(),
    ]);
    return {
      healthy:
        sessionStorage === 'healthy' &&
        tokenRefresh === 'healthy' &&
        Object.values(providers).every((state) => state === 'healthy'),
      providers,
      session_storage: sessionStorage,
      token_refresh: tokenRefresh,
    };
  }

  private async sessionStorage(): Promise<ComponentHealth> {
    return (await settled(this.redis.ping())) === 'PONG' ? 'healthy' : 'unhealthy';
  }

  private async tokenRefresh(): Promise<ComponentHealth> {
    if (!this.processor.worker.isRunning()) {
      return 'unhealthy';
    }
    const [counts, stats] = await Promise.all([
      settled(this.queue.getJobCounts('failed')),
      settled(this.stats.read()),
    ]);
    if (counts === undefined || stats === undefined) {
      return 'unhealthy';
    }
    const stranded = stats.reduce((sum, s) => sum + s.stranded, 0);
    const total = stats.reduce((sum, s) => sum + s.stranded + s.active, 0);
    const tooManyFailed = (counts.failed ?? 0) > this.config.AUTH_HEALTH_MAX_FAILED_REFRESHES;
    const tooManyStranded =
      total > 0 && stranded / total > this.config.AUTH_HEALTH_MAX_STRANDED_RATIO;
    return tooManyFailed || tooManyStranded ? 'degraded' : 'healthy';
  }

  private async providers(): Promise<Record<string, ProviderHealth>> {
    const stats = (await settled(this.stats.read())) ?? [];
    const names = new Set([...stats.map((s) => s.provider), ...this.tracker.providers()]);
    return Object.fromEntries(
      [...names].sort().map((name) => [name, this.tracker.health(name)] as const),
    );
  }
}

/** The value, or undefined when the promise failed or did not settle in CHECK_TIMEOUT_MS. */
async function settled<T>(promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
