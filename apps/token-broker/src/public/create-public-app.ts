import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { BrokerInfrastructure } from '../infrastructure/broker-infrastructure';
import type { TokenBrokerConfig } from '@app/config';
import { createHttpApp, type MetricsService } from '@app/observability';
import type Redis from 'ioredis';
import { Vault } from '@app/crypto';
import { REDIS } from '@app/redis';
import { AuthorizationServer } from '../authorization/authorization-server';
import fastifyCookie from '@fastify/cookie';
import { InteractionController } from '../authorization/interaction.controller';
import { mountAuthorizationServer } from '../authorization/mount-authorization-server';
import { ConnectPagesController } from '../connect/connect-pages.controller';
import { type PublicAppOptions, PublicModule } from './public.module';

/** Builds (does not listen) the broker's public app. */
export async function createPublicApp(
  config: TokenBrokerConfig,
  logger: Logger,
  metrics: MetricsService,
  infrastructure: BrokerInfrastructure,
  options: PublicAppOptions = {},
): Promise<NestFastifyApplication> {
  const app = await createHttpApp(
    PublicModule.forRoot(config, logger, metrics, infrastructure, options),
    {
      logger,
      metrics,
      listener: 'public',
    },
  );
  // Cookies of the HTML pages are parsed and serialised by @fastify/cookie (request.cookies,
  // reply.setCookie); registered before the routes so its hooks cover them.
  await app.register(fastifyCookie as never);
  // Builds the authorization server (onModuleInit) before its routes are mounted next to Nest's.
  // A failed start (vault keys that do not open the signing keys) leaves no pool or client open.
  await app.init().catch(async (error: unknown) => {
    await app.close().catch(() => undefined);
    throw error;
  });
  mountAuthorizationServer(app.getHttpAdapter().getInstance(), {
    config,
    server: app.get(AuthorizationServer),
    interactions: app.get(InteractionController),
    connect: app.get(ConnectPagesController),
    redis: app.get<Redis>(REDIS),
    vault: app.get(Vault),
  });
  return app;
}
