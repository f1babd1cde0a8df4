import 'reflect-metadata';
import { loadConfigOrExit, tokenBrokerSchema } from '@app/config';
import { createLogger, MetricsService, runUntilSignal } from '@app/observability';
import { createBroker } from './create-broker';
import { exitOnStartFailure } from './start-failure';

/**
 * Token broker: public listener (BROKER_PORT), the operators' admin API (ADMIN_PORT) and the
 * gateway's internal API (INTERNAL_PORT), each on its own listener, all three on one
 * infrastructure (Postgres pool, Redis clients, provider-metadata cache).
 */
async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(tokenBrokerSchema, 'token-broker');
  const logger = createLogger('token-broker', config.LOG_LEVEL);
  const metrics = new MetricsService('token-broker');
  const broker = await createBroker(config, logger, metrics);
  const { publicApp, adminApp, internalApp } = broker;
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
  // One closable: the listeners stop first, then the shared pool and clients close once.
  runUntilSignal([broker], logger, config.SHUTDOWN_TIMEOUT_MS);
}

// Its own logger: the failure may come before bootstrap's, and a fatal line passes any LOG_LEVEL.
bootstrap().catch((error: unknown) =>
  exitOnStartFailure(error, createLogger('token-broker', 'info')),
);
