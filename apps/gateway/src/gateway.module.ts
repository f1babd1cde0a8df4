import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { JobsModule } from '@app/jobs';
import { MetricsService, ObservabilityModule } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { PolicyCacheModule } from '@app/policy-cache';
import { RedisModule } from '@app/redis';
import { UpstreamCacheModule } from '@app/upstream-cache';
import { AggregateModule } from './aggregate/aggregate.module';
import { McpModule } from './mcp/mcp.module';
import { SessionRecoveryTrigger } from './sessions/session-recovery.trigger';

/**
 * The data plane: the policy set and the registered upstreams followed in memory, and the MCP
 * routes with inbound auth, enforcement and credential injection (mcp/).
 */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: Logger, metrics: MetricsService): DynamicModule {
    const configModule: DynamicModule = {
      module: GatewayConfigModule,
      global: true,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
    return {
      module: GatewayModule,
      imports: [
        configModule,
        // /metrics is on the metrics listener (metrics/gateway-metrics-listener.ts), not here.
        ObservabilityModule.forRoot({ app: 'gateway', logger, metrics, serveMetrics: false }),
        // Global within the gateway: McpModule's providers use the client, the caches and the config.
        {
          ...RedisModule.forRoot({
            url: config.REDIS_URL,
            keyPrefix: config.REDIS_KEY_PREFIX,
            app: 'gateway',
          }),
          global: true,
        },
        // Read-only use: the caches load committed sets from here. A Postgres outage keeps the
        // gateway ready: it serves the last good sets (readiness waits for a first load only).
        PersistenceModule.forRoot({
          databaseUrl: config.DATABASE_URL,
          app: 'gateway',
          poolSize: 2,
          readiness: 'not-required',
        }),
        {
          ...PolicyCacheModule.forRoot({
            pollIntervalMs: config.POLICY_POLL_INTERVAL_MS,
            defaultDecision: config.POLICY_DEFAULT,
          }),
          global: true,
        },
        {
          ...UpstreamCacheModule.forRoot({ pollIntervalMs: config.UPSTREAM_POLL_INTERVAL_MS }),
          global: true,
        },
        // Producer only: the gateway asks the workers for a session recovery when it starts.
        JobsModule.forRoot({ redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX }),
        McpModule,
        AggregateModule,
      ],
      providers: [SessionRecoveryTrigger],
    };
  }
}

@Module({})
class GatewayConfigModule {}
