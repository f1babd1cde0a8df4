import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { ReadinessService } from './readiness.service';

export const LOGGER = Symbol('LOGGER');

/** Health, readiness, metrics and the app logger, for any of the three apps. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: {
    app: string;
    logger: Logger;
    metrics: MetricsService;
    /**
     * Serve `GET /metrics` here (default). False on a listener whose registry is shared with
     * listeners it must not describe (the broker's public one).
     */
    serveMetrics?: boolean;
  }): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers:
        options.serveMetrics === false ? [HealthController] : [HealthController, MetricsController],
      providers: [
        { provide: LOGGER, useValue: options.logger },
        { provide: MetricsService, useValue: options.metrics },
        { provide: ReadinessService, useValue: new ReadinessService() },
      ],
      exports: [LOGGER, MetricsService, ReadinessService],
    };
  }
}
