import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import { MetricsService, ObservabilityModule } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { RedisModule } from '@app/redis';

/**
 * Background processors. This issue brings the process up (health, metrics, Postgres and Redis
 * readiness); the BullMQ processors (token refresh, device-code polling, session recovery,
 * cleanup, key rotation) arrive with the workers issue.
 */
@Module({})
export class WorkersModule {
  static forRoot(config: WorkersConfig, logger: Logger, metrics: MetricsService): DynamicModule {
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
          poolSize: 2,
        }),
      ],
      providers: [{ provide: APP_CONFIG, useValue: config }],
    };
  }
}
