import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import pino from 'pino';
import { loadConfig, tokenBrokerSchema, type TokenBrokerConfig } from '@app/config';
import { MetricsService } from '@app/observability';
import { randomBytes } from 'node:crypto';
import { createBroker } from '../../apps/token-broker/src/create-broker';
import type { BrokerInfrastructure } from '../../apps/token-broker/src/infrastructure/broker-infrastructure';
import type { PublicAppOptions } from '../../apps/token-broker/src/public/public.module';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from './test-database';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const INTERNAL_API_TOKEN = 'test-internal-token-0123456789abcdef';

export interface AdminApiHarness {
  app: NestFastifyApplication;
  config: TokenBrokerConfig;
  baseUrl: string;
  /** The broker's internal API listener (the gateway's; same config and database). */
  internalUrl: string;
  internalApp: NestFastifyApplication;
  /** The broker's public listener (same config and database). */
  publicUrl: string;
  publicApp: NestFastifyApplication;
  database: TestDatabase;
  /** The one pool and client set the three apps share (as in main.ts). */
  infrastructure: BrokerInfrastructure;
  close(): Promise<void>;
}

/** Boots the admin API on a random loopback port against a database of its own. */
export async function startAdminApi(
  overrides: Record<string, string> = {},
  logger: Logger = pino({ level: 'silent' }),
  publicPort = 0,
  publicOptions: PublicAppOptions = {},
): Promise<AdminApiHarness> {
  const database = await createTestDatabase();
  const config = loadConfig(tokenBrokerSchema, {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.REDIS_URL,
    REDIS_KEY_PREFIX: testRedisPrefix(),
    ADMIN_TOKEN,
    VAULT_KEYS: `test1:${randomBytes(32).toString('base64')}`,
    API_KEY_PEPPER: randomBytes(32).toString('base64'),
    INTERNAL_API_TOKEN,
    LOG_LEVEL: 'silent',
    ...overrides,
  });
  const metrics = new MetricsService('test');
  const broker = await createBroker(config, logger, metrics, publicOptions);
  const { adminApp: app, internalApp, publicApp } = broker;
  return {
    app,
    config,
    baseUrl: await listen(app),
    internalUrl: await listen(internalApp),
    internalApp,
    publicUrl: await listen(publicApp, publicPort),
    publicApp,
    database,
    infrastructure: broker.infrastructure,
    close: async () => {
      await broker.close();
      await database.drop();
    },
  };
}

async function listen(app: NestFastifyApplication, requestedPort = 0): Promise<string> {
  await app.listen(requestedPort, '127.0.0.1');
  const address = app.getHttpAdapter().getInstance().server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `http://127.0.0.1:${port}`;
}
