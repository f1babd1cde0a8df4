import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import { JobsModule, QUEUES } from '@app/jobs';
import { MetricsService, ObservabilityModule } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { ProviderFlowsModule, refreshSettings } from '@app/provider-flows';
import { logRedisErrors, RedisModule } from '@app/redis';
import { VaultModule } from '@app/vault';
import { CredentialsProcessor } from './credentials/credentials.processor';
import { CleanupUseCase } from './maintenance/cleanup.usecase';
import { MaintenanceMetrics } from './maintenance/maintenance.metrics';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { ResealVaultUseCase } from './maintenance/reseal-vault.usecase';
import { RotateSigningKeyUseCase } from './maintenance/rotate-signing-key.usecase';
import { DevicePollSweepUseCase } from './credentials/device-poll-sweep.usecase';
import { AuthHealthController } from './health/auth-health.controller';
import { AuthHealthService } from './health/auth-health.service';
import { ConnectionStatsReader } from './metrics/connection-stats.reader';
import { ProviderNames } from './metrics/provider-names';
import { RefreshHealthTracker } from './metrics/refresh-health.tracker';
import { WorkersMetrics } from './metrics/workers-metrics';
import { RefreshSweepUseCase } from './refresh/refresh-sweep.usecase';
import { TokenRefreshProcessor } from './refresh/token-refresh.processor';
import { LiveSessionScanner } from './sessions/live-session.scanner';
import { StaleUpstreamSessions } from './sessions/stale-upstream-sessions';
import {
  SESSION_RECOVERY_OBSERVER,
  SessionRecoveryUseCase,
} from './sessions/session-recovery.usecase';
import { UPSTREAM_HEALTH_GAUGE, UpstreamHealthStore } from './upstreams/upstream-health.store';
import { UpstreamHealthUseCase } from './upstreams/upstream-health.usecase';
import { UpstreamProber } from './upstreams/upstream.prober';
import { workersPoolSize } from './workers-pool-size';

/**
 * Background processors (BullMQ): the `credentials` queue's device-code polling, the
 * `token-refresh` queue, and the `maintenance` queue (cleanup, vault re-seal, signing-key rotation).
 */
const BULL_CONNECTION = Symbol('BULL_CONNECTION');

@Module({})
export class WorkersModule implements OnApplicationShutdown {
  constructor(@Inject(BULL_CONNECTION) private readonly connection: Redis) {}

  static forRoot(config: WorkersConfig, logger: Logger, metrics: MetricsService): DynamicModule {
    // Workers block on Redis: BullMQ requires maxRetriesPerRequest null for them.
    const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    logRedisErrors(connection, logger, 'workers-bullmq');
    return {
      module: WorkersModule,
      imports: [
        ObservabilityModule.forRoot({ app: 'workers', logger, metrics }),
        RedisModule.forRoot({
          url: config.REDIS_URL,
          keyPrefix: config.REDIS_KEY_PREFIX,
          app: 'workers',
        }),
        PersistenceModule.forRoot({
          databaseUrl: config.DATABASE_URL,
          app: 'workers',
          poolSize: workersPoolSize(config),
        }),
        VaultModule.forRoot({ vaultKeys: config.VAULT_KEYS }),
        JobsModule.forRoot({ redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX }),
        ProviderFlowsModule.forRoot({ refresh: refreshSettings(config) }),
        BullModule.forRoot({ prefix: `${config.REDIS_KEY_PREFIX}bull`, connection }),
        BullModule.registerQueue(
          { name: QUEUES.credentials },
          { name: QUEUES.maintenance },
          { name: QUEUES.tokenRefresh },
        ),
      ],
      controllers: [AuthHealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: BULL_CONNECTION, useValue: connection },
        CredentialsProcessor,
        MaintenanceMetrics,
        CleanupUseCase,
        ResealVaultUseCase,
        RotateSigningKeyUseCase,
        MaintenanceProcessor,
        DevicePollSweepUseCase,
        LiveSessionScanner,
        SessionRecoveryUseCase,
        StaleUpstreamSessions,
        UpstreamProber,
        UpstreamHealthStore,
        UpstreamHealthUseCase,
        RefreshSweepUseCase,
        TokenRefreshProcessor,
        ConnectionStatsReader,
        ProviderNames,
        RefreshHealthTracker,
        WorkersMetrics,
        // Session recovery counts its outcomes into auth_session_recovery_total.
        { provide: SESSION_RECOVERY_OBSERVER, useExisting: WorkersMetrics },
        // The upstream health checks' states are the upstream_up gauge.
        { provide: UPSTREAM_HEALTH_GAUGE, useExisting: WorkersMetrics },
        AuthHealthService,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    // BullMQ closes the connections it made; the one we handed it is ours to close.
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
