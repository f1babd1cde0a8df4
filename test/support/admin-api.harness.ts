import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import pino from 'pino';
import { loadConfig, tokenBrokerSchema, type TokenBrokerConfig } from '@app/config';
import { MetricsService } from '@app/observability';
import { createAdminApp } from '../../apps/token-broker/src/admin/create-admin-app';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from './test-database';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface AdminApiHarness {
  app: NestFastifyApplication;
  config: TokenBrokerConfig;
  baseUrl: string;
  database: TestDatabase;
  close(): Promise<void>;
}

/** Boots the admin API on a random loopback port against a database of its own. */
export async function startAdminApi(
  overrides: Record<string, string> = {},
  logger: Logger = pino({ level: 'silent' }),
): Promise<AdminApiHarness> {
  const database = await createTestDatabase();
  const config = loadConfig(tokenBrokerSchema, {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.REDIS_URL,
    REDIS_KEY_PREFIX: testRedisPrefix(),
    ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ...overrides,
  });
  const app = await createAdminApp(config, logger, new MetricsService('test'));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpAdapter().getInstance().server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${port}`,
    database,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
