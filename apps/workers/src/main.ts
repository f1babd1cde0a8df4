import 'reflect-metadata';
import { loadConfigOrExit, workersSchema } from '@app/config';
import { createHttpApp, createLogger, MetricsService, runUntilSignal } from '@app/observability';
import { WorkersModule } from './workers.module';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(workersSchema, 'workers');
  const logger = createLogger('workers', config.LOG_LEVEL);
  const metrics = new MetricsService('workers');
  const app = await createHttpApp(WorkersModule.forRoot(config, logger, metrics), {
    logger,
    metrics,
  });
  await app.listen(config.WORKERS_PORT, config.WORKERS_HOST);
  logger.info({ port: config.WORKERS_PORT }, 'workers listening (health and metrics)');
  runUntilSignal([app], logger, config.SHUTDOWN_TIMEOUT_MS);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`workers: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
