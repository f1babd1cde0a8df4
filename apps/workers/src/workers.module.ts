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
import { CleanupProcessor } from './maintenance/cleanup.processor';
import { RefreshSweepUseCase } from './refresh/refresh-sweep.usecase';
import { TokenRefreshProcessor } from './refresh/token-refresh.processor';
import { workersPoolSize } from './workers-pool-size';

/**
 * Background processors (BullMQ). Today: the `credentials` queue's device-code polling and the
 * `maintenance` queue's cleanup (call-trail retention). Token refresh, session recovery, the rest
 * of the cleanup and scheduled key rotation arrive with the workers issue.
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
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: BULL_CONNECTION, useValue: connection },
        CredentialsProcessor,
        CleanupProcessor,
        RefreshSweepUseCase,
        TokenRefreshProcessor,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    // BullMQ closes the connections it made; the one we handed it is ours to close.
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
