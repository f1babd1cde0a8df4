import 'reflect-metadata';
import { gatewaySchema, loadConfigOrExit } from '@app/config';
import { createLogger, MetricsService, runUntilSignal } from '@app/observability';
import { createGateway } from './create-gateway';
import { createGatewayMetricsApp } from './metrics/gateway-metrics-listener';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(gatewaySchema, 'gateway');
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const metrics = new MetricsService('gateway');
  const app = await createGateway(config, logger, metrics);
  await app.listen(config.GATEWAY_PORT, config.GATEWAY_HOST);
  logger.info({ port: config.GATEWAY_PORT }, 'gateway listening');
  const metricsApp = await createGatewayMetricsApp(logger, metrics);
  await metricsApp.listen(config.GATEWAY_METRICS_PORT, config.GATEWAY_METRICS_HOST);
  logger.info({ port: config.GATEWAY_METRICS_PORT }, 'gateway metrics listening');
  runUntilSignal([app, metricsApp], logger, config.SHUTDOWN_TIMEOUT_MS);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`gateway: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
