import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { createHttpApp, MetricsController, MetricsService } from '@app/observability';

/**
 * The gateway's metrics listener: `GET /metrics` only, on its own address
 * (`GATEWAY_METRICS_HOST`:`GATEWAY_METRICS_PORT`, loopback by default). The public listener
 * serves none: the registry describes every caller's traffic, for operators only.
 */
export async function createGatewayMetricsApp(
  logger: Logger,
  metrics: MetricsService,
): Promise<NestFastifyApplication> {
  @Module({
    controllers: [MetricsController],
    providers: [{ provide: MetricsService, useValue: metrics }],
  })
  class GatewayMetricsModule {}
  return createHttpApp(GatewayMetricsModule, {
    logger: logger.child({ listener: 'metrics' }),
    metrics,
    listener: 'metrics',
  });
}
