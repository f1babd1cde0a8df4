import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { TokenBrokerConfig } from '@app/config';
import type { MetricsService } from '@app/observability';
import { createAdminApp } from './admin/create-admin-app';
import { BrokerInfrastructure } from './infrastructure/broker-infrastructure';
import { createInternalApp } from './internal/create-internal-app';
import { createPublicApp } from './public/create-public-app';
import type { PublicAppOptions } from './public/public.module';

/** The broker process: three Nest containers (one per listener) on one infrastructure. */
export interface Broker {
  infrastructure: BrokerInfrastructure;
  publicApp: NestFastifyApplication;
  adminApp: NestFastifyApplication;
  internalApp: NestFastifyApplication;
  /** Stops the three apps, then closes the shared infrastructure once. */
  close(): Promise<void>;
}

/** Builds (does not listen) the broker's three apps on one shared infrastructure. */
export async function createBroker(
  config: TokenBrokerConfig,
  logger: Logger,
  metrics: MetricsService,
  options: PublicAppOptions = {},
): Promise<Broker> {
  const infrastructure = await BrokerInfrastructure.open(config, logger);
  const apps: NestFastifyApplication[] = [];
  const closeAll = async (): Promise<void> => {
    const closed = await Promise.allSettled(apps.map((app) => app.close()));
    await infrastructure.close();
    const failed = closed.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      throw failed.reason;
    }
  };
  try {
    const publicApp = await createPublicApp(config, logger, metrics, infrastructure, options);
    apps.push(publicApp);
    const adminApp = await createAdminApp(
      config,
      logger.child({ listener: 'admin' }),
      metrics,
      infrastructure,
    );
    apps.push(adminApp);
    const internalApp = await createInternalApp(
      config,
      logger.child({ listener: 'internal' }),
      metrics,
      infrastructure,
    );
    apps.push(internalApp);
    return { infrastructure, publicApp, adminApp, internalApp, close: closeAll };
  } catch (error) {
    // A half-built broker must not keep the process alive on open connections.
    await closeAll().catch(() => undefined);
    throw error;
  }
}
