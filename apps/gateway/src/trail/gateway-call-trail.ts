import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { LOGGER, MetricsService } from '@app/observability';
import { CallTrailRepository } from '@app/persistence';
import { CallTrail } from './call-trail';

/** The gateway's call trail: the writer on the shared Postgres pool, flushed when the app stops. */
@Injectable()
export class GatewayCallTrail extends CallTrail implements OnApplicationShutdown {
  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(APP_CONFIG) config: GatewayConfig,
    metrics: MetricsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    super(
      new CallTrailRepository(dataSource),
      { queueMax: config.GATEWAY_TRAIL_QUEUE_MAX, flushMs: config.GATEWAY_TRAIL_FLUSH_MS },
      metrics.registry,
      logger,
    );
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
