import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { MetricsService, ObservabilityModule } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { PolicyCacheModule } from '@app/policy-cache';
import { RedisModule } from '@app/redis';

/**
 * The data plane. This issue brings the process up with its policy cache following the policy
 * set; the MCP routes, inbound auth and credential injection arrive with the gateway issue.
 */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: Logger, metrics: MetricsService): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ObservabilityModule.forRoot({ app: 'gateway', logger, metrics }),
        RedisModule.forRoot({
          url: config.REDIS_URL,
          keyPrefix: config.REDIS_KEY_PREFIX,
          app: 'gateway',
        }),
        // Read-only use: the policy cache loads committed sets from here. A Postgres outage keeps
        // the gateway ready: it serves the last good set (readiness waits for a first load only).
        PersistenceModule.forRoot({
          databaseUrl: config.DATABASE_URL,
          app: 'gateway',
          poolSize: 2,
          readiness: 'not-required',
        }),
        PolicyCacheModule.forRoot({
          pollIntervalMs: config.POLICY_POLL_INTERVAL_MS,
          defaultDecision: config.POLICY_DEFAULT,
        }),
      ],
      providers: [{ provide: APP_CONFIG, useValue: config }],
    };
  }
}
