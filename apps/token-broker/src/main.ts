import 'reflect-metadata';
import { loadConfigOrExit, tokenBrokerSchema } from '@app/config';
import { createLogger, MetricsService, runUntilSignal } from '@app/observability';
import { createAdminApp } from './admin/create-admin-app';
import { createInternalApp } from './internal/create-internal-app';
import { createPublicApp } from './public/create-public-app';
import { exitOnStartFailure } from './start-failure';

/**
 * Token broker: public listener (BROKER_PORT), the operators' admin API (ADMIN_PORT) and the
 * gateway's internal API (INTERNAL_PORT), each on its own listener.
 */
async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(tokenBrokerSchema, 'token-broker');
  const logger = createLogger('token-broker', config.LOG_LEVEL);
  const metrics = new MetricsService('token-broker');
  const publicApp = await createPublicApp(config, logger, metrics);
  const adminApp = await createAdminApp(config, logger.child({ listener: 'admin' }), metrics);
  const internalApp = await createInternalApp(
    config,
    logger.child({ listener: 'internal' }),
    metrics,
  );
  await publicApp.listen(config.BROKER_PORT, config.BROKER_HOST);
  await adminApp.listen(config.ADMIN_PORT, config.ADMIN_HOST);
  await internalApp.listen(config.INTERNAL_PORT, config.INTERNAL_HOST);
  logger.info(
    {
      port: config.BROKER_PORT,
      admin_port: config.ADMIN_PORT,
      internal_port: config.INTERNAL_PORT,
    },
    'token-broker listening',
  );
  runUntilSignal([internalApp, adminApp, publicApp], logger, config.SHUTDOWN_TIMEOUT_MS);
}

// Its own logger: the failure may come before bootstrap's, and a fatal line passes any LOG_LEVEL.
bootstrap().catch((error: unknown) =>
  exitOnStartFailure(error, createLogger('token-broker', 'info')),
);
