import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { TokenBrokerConfig } from '@app/config';
import { MetricsService, ObservabilityModule } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { RedisModule } from '@app/redis';

/**
 * The broker's public listener. This issue serves health only; the authorization server, provider
 * connections and the internal credential API arrive with the token-broker issue.
 */
@Module({})
export class PublicModule {
  static forRoot(
    config: TokenBrokerConfig,
    logger: Logger,
    metrics: MetricsService,
  ): DynamicModule {
    return {
      module: PublicModule,
      imports: [
        ObservabilityModule.forRoot({ app: 'token-broker', logger, metrics }),
        RedisModule.forRoot({
          url: config.REDIS_URL,
          keyPrefix: config.REDIS_KEY_PREFIX,
          app: 'token-broker',
        }),
        PersistenceModule.forRoot({
          databaseUrl: config.DATABASE_URL,
          app: 'token-broker',
          poolSize: 5,
        }),
      ],
    };
  }
}
