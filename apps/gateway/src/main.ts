import 'reflect-metadata';
import { gatewaySchema, loadConfigOrExit } from '@app/config';
import { createHttpApp, createLogger, MetricsService, runUntilSignal } from '@app/observability';
import { GatewayModule } from './gateway.module';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(gatewaySchema, 'gateway');
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const metrics = new MetricsService('gateway');
  const app = await createHttpApp(GatewayModule.forRoot(config, logger, metrics), {
    logger,
    metrics,
  });
  await app.listen(config.GATEWAY_PORT, config.GATEWAY_HOST);
  logger.info({ port: config.GATEWAY_PORT }, 'gateway listening');
  runUntilSignal([app], logger, config.SHUTDOWN_TIMEOUT_MS);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`gateway: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
