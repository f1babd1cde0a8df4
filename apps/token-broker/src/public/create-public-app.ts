import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { TokenBrokerConfig } from '@app/config';
import { createHttpApp, type MetricsService } from '@app/observability';
import { PublicModule } from './public.module';

/** Builds (does not listen) the broker's public app. */
export function createPublicApp(
  config: TokenBrokerConfig,
  logger: Logger,
  metrics: MetricsService,
): Promise<NestFastifyApplication> {
  return createHttpApp(PublicModule.forRoot(config, logger, metrics), { logger, metrics });
}
