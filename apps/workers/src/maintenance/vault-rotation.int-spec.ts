import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import pino from 'pino';
import type { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { loadConfig, workersSchema } from '@app/config';
import { KeyRing, Vault } from '@app/crypto';
import { QUEUES } from '@app/jobs';
import { createHttpApp, MetricsService } from '@app/observability';
import { buildDataSourceOptions, ConnectionRefreshRepository } from '@app/persistence';
import { within } from '@app/testing';
import { connectionTokenBinding, RotateVaultKeysUseCase, SigningKeyStore } from '@app/vault';
import { seedConnection, seedRefreshProvider } from '../../../../test/support/refresh-fixture';
import {
  createTestDatabase,
  testRedisPrefix,
  type TestDatabase,
} from '../../../../test/support/test-database';
import { WorkersModule } from '../workers.module';

const oldSpec = KeyRing.generateSpec('k1');
const newSpec = KeyRing.generateSpec('k2');
const oldVault = new Vault(KeyRing.parse(oldSpec));
const rotatingVault = new Vault(KeyRing.parse(`${newSpec},${oldSpec}`));
const newOnly = new Vault(KeyRing.parse(newSpec));

/**
 * Issue 10 §1 (key-rotation): after a new key is put first in VAULT_KEYS, the workers re-seal
 * every Postgres value to it in batches, resumably, without overwriting a concurrent refresh;
 * `vault_rows_on_old_key` shows the progress. Real Postgres, Redis, BullMQ.
 */
describe('workers: vault key rotation (re-seal to the first key of VAULT_KEYS)', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let providerId: string;

  /** `SELECT` the key id of every sealed value of the connections, by column. */
  const keyIds = async (): Promise<string[]> =>
    (
      (await ds.query(
        `SELECT split_part(access_token_sealed, '.', 2) AS a, split_part(refresh_token_sealed, '.', 2) AS r
           FROM connections`,
      )) as { a: string; r: string }[]
    ).flatMap((row) => [row.a, row.r]);

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await new DataSource(buildDataSourceOptions(database.url, { poolSize: 4 })).initialize();
    providerId = await seedRefreshProvider(ds, oldVault, 'http://127.0.0.1:9/token');
  });

  afterAll(async () => {
    await ds.destroy();
    await database.drop();
  });

  const seed = async (count: number, tag: string) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const c = await seedConnection(
        ds,
        oldVault,
        providerId,
        `${tag}-${i}`,
        { access_token: `at-${tag}-${i}`, refresh_token: `rt-${tag}-${i}` },
        3_600_000,
      );
      ids.push(c.id);
    }
    return ids;
  };

  it('a run stopped mid-way is resumed by the next one: only values still on the old key are read', async () => {
    await seed(5, 'resume');
    let updates = 0;
    const failing = {
      query: async (sql: string, params?: unknown[]) => {
        if (sql.trimStart().startsWith('UPDATE') && ++updates === 3) {
          throw new Error('connection lost');
        }
        return ds.query(sql, params);
      },
    } as unknown as DataSource;
    await expect(new RotateVaultKeysUseCase(failing, rotatingVault).execute(2)).rejects.toThrow(
      'connection lost',
    );
    const rotation = new RotateVaultKeysUseCase(ds, rotatingVault);
    const left = (await rotation.countOnOldKey()).reduce((sum, c) => sum + c.count, 0);
    // 11 values (1 provider secret, 5 access and 5 refresh tokens); the provider's batch and the
    // first batch of 2 access tokens were written before the third UPDATE failed.
    expect(left).toBe(11 - 1 - 2);
    const report = await rotation.execute(2);
    expect(report).toEqual({ examined: left, resealed: left, skipped: 0, failed: [] });
    expect(new Set(await keyIds())).toEqual(new Set(['k2']));
    expect((await rotation.execute(2)).examined).toBe(0);
  });

  it('a refresh that stores new tokens between the read and the write is not overwritten (compare on the sealed value)', async () => {
    const [id] = await seed(1, 'race');
    const refreshes = new ConnectionRefreshRepository(ds);
    let raced = false;
    const racing = {
      query: async (sql: string, params?: unknown[]) => {
        if (!raced && sql.includes('UPDATE connections') && sql.includes('access_token_sealed')) {
          raced = true;
          const lease = await refreshes.claim(id!, 20_000);
          if (lease === null || lease === 'busy') {
            throw new Error('no lease');
          }
          const stored = await refreshes.store(lease, {
            seal: (cid) => ({
              accessTokenSealed: rotatingVault.seal(
                'at-refreshed',
                connectionTokenBinding(cid, providerId, 'access_token'),
              ),
              refreshTokenSealed: rotatingVault.seal(
                'rt-refreshed',
                connectionTokenBinding(cid, providerId, 'refresh_token'),
              ),
            }),
            tokenType: 'Bearer',
            scopes: ['repo'],
            expiresAt: new Date(Date.now() + 3_600_000),
            issuedAt: new Date(),
          });
          expect(stored).not.toBeNull();
        }
        return ds.query(sql, params);
      },
    } as unknown as DataSource;

    const report = await new RotateVaultKeysUseCase(racing, rotatingVault).execute();

    expect(raced).toBe(true);
    expect(report.skipped).toBe(1);
    expect(report.failed).toEqual([]);
    const [row] = (await ds.query(
      'SELECT access_token_sealed, refresh_token_sealed FROM connections WHERE id = $1',
      [id],
    )) as { access_token_sealed: string; refresh_token_sealed: string }[];
    const binding = (field: 'access_token' | 'refresh_token') =>
      connectionTokenBinding(id!, providerId, field);
    expect(newOnly.open(row!.access_token_sealed, binding('access_token'))).toBe('at-refreshed');
    expect(newOnly.open(row!.refresh_token_sealed, binding('refresh_token'))).toBe('rt-refreshed');
  });

  it('workers started with a new first key re-seal everything at start; the gauge goes to 0; the old key can leave', async () => {
    await seed(3, 'start');
    await new SigningKeyStore(ds, oldVault).active();
    const prefix = testRedisPrefix();
    const config = loadConfig(workersSchema, {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
      VAULT_KEYS: `${newSpec},${oldSpec}`,
      // The scheduled run is an hour away: what runs here is the run queued at start.
      VAULT_ROTATION_EVERY_MS: '3600000',
      REFRESH_SWEEP_EVERY_MS: '3600000',
      LOG_LEVEL: 'silent',
    });
    const logger = pino({ level: 'silent' });
    const metrics = new MetricsService('test-vault-rotation');
    const app: NestFastifyApplication = await createHttpApp(
      WorkersModule.forRoot(config, logger, metrics),
      { logger, metrics },
    );
    try {
      await app.init();
      const gauge = metrics.registry.getSingleMetric('vault_rows_on_old_key') as Gauge;
      const onOldKey = async () =>
        (await gauge.get()).values.reduce((sum, value) => sum + value.value, 0);
      await within(30_000, async () => new Set(await keyIds()).size === 1);
      await within(30_000, async () => (await onOldKey()) === 0);
      expect(new Set(await keyIds())).toEqual(new Set(['k2']));
      const series = (await gauge.get()).values.map((v) => `${v.labels.table}.${v.labels.column}`);
      expect(series).toEqual(
        expect.arrayContaining([
          'connections.access_token_sealed',
          'connections.refresh_token_sealed',
          'providers.client_secret_sealed',
          'signing_keys.private_jwk_sealed',
        ]),
      );
      // Only the new key now: the signing key and every connection token open.
      await expect(new SigningKeyStore(ds, newOnly).privateJwks()).resolves.toHaveLength(1);
      const rows = (await ds.query('SELECT id, access_token_sealed FROM connections')) as {
        id: string;
        access_token_sealed: string;
      }[];
      for (const row of rows) {
        expect(
          newOnly.open(
            row.access_token_sealed,
            connectionTokenBinding(row.id, providerId, 'access_token'),
          ),
        ).toMatch(/^at-/);
      }
    } finally {
      await app.close();
      const queue = new Queue(QUEUES.maintenance, {
        prefix: `${prefix}bull`,
        connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
