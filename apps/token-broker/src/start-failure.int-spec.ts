import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { loadConfig, tokenBrokerSchema, type TokenBrokerConfig } from '@app/config';
import { createLogger, MetricsService } from '@app/observability';
import pino from 'pino';
import {
  createTestDatabase,
  testRedisPrefix,
  type TestDatabase,
} from '../../../test/support/test-database';
import { createBroker } from './create-broker';
import { exitOnStartFailure } from './start-failure';

const vaultKeys = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;

describe('broker start with vault keys that do not open the stored data', () => {
  let database: TestDatabase;
  const configWith = (VAULT_KEYS: string): TokenBrokerConfig =>
    loadConfig(tokenBrokerSchema, {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_KEY_PREFIX: testRedisPrefix(),
      ADMIN_TOKEN: 'test-admin-token-0123456789abcdef',
      VAULT_KEYS,
      API_KEY_PEPPER: randomBytes(32).toString('base64'),
      INTERNAL_API_TOKEN: 'test-internal-token-0123456789abcdef',
      LOG_LEVEL: 'silent',
    });
  const silent = pino({ level: 'silent' });

  beforeEach(async () => {
    database = await createTestDatabase();
    // The first start seals the signing key with key A.
    const broker = await createBroker(
      configWith(vaultKeys('k1')),
      silent,
      new MetricsService('test'),
    );
    await broker.close();
  });
  afterEach(() => database.drop());

  it.each([
    [
      'another key under the same id',
      'k1',
      'Sealed value under key "k1" failed authentication (wrong binding, tampered, or another key)',
    ],
    [
      'a key ring without the sealing key id',
      'k2',
      'Sealed value names key "k1", not in the key ring',
    ],
  ])(
    'with %s: logs one JSON line saying so, with the fix, and exits non-zero',
    async (_case, keyId, cause) => {
      const error = await createBroker(
        configWith(vaultKeys(keyId)),
        silent,
        new MetricsService('test'),
      ).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(Error);

      const output = new PassThrough();
      let written = '';
      output.on('data', (chunk: Buffer) => (written += chunk.toString()));
      const exit = jest.fn();
      exitOnStartFailure(error, createLogger('token-broker', 'info', output), exit);

      const lines = written.split('\n').filter((line) => line !== '');
      expect(lines).toHaveLength(1);
      const record = JSON.parse(lines[0]) as Record<string, unknown>;
      expect(record).toMatchObject({
        level: 'fatal',
        app: 'token-broker',
        code: 'vault_keys_do_not_open_stored_data',
        msg: 'VAULT_KEYS do not open the data stored in the database: it was sealed with other vault keys',
      });
      expect(record.fix).toMatch(
        /^start with the VAULT_KEYS that sealed it .*VAULT_KEYS=<new>,<old>/,
      );
      expect(record.cause).toBe(cause);
      expect(exit).toHaveBeenCalledTimes(1);
      expect(exit.mock.calls[0][0]).not.toBe(0);
    },
  );
});
