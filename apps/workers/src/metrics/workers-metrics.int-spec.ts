import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { loadConfig, workersSchema } from '@app/config';
import { KeyRing, Vault } from '@app/crypto';
import { QUEUES } from '@app/jobs';
import { createHttpApp, MetricsService } from '@app/observability';
import { buildDataSourceOptions, ConnectionRefreshRepository } from '@app/persistence';
import { MockTokenEndpoint, within } from '@app/testing';
import { seedConnection, seedRefreshProvider } from '../../../../test/support/refresh-fixture';
import {
  createTestDatabase,
  testRedisPrefix,
  type TestDatabase,
} from '../../../../test/support/test-database';
import { TokenRefreshProcessor } from '../refresh/token-refresh.processor';
import { WorkersModule } from '../workers.module';

/**
 * Issue 10 §3: the workers' refresh metrics (seed name `auth_token_refresh_total`, stranded
 * connections, time to expiry, queue depth, job latency) and `/health/auth` in the seed's shape
 * (reference/001_guide.md "Check authentication system health"), against real Postgres, Redis,
 * BullMQ and a strict-rotation mock provider.
 */
describe('workers: refresh metrics and /health/auth (issue 10 §3)', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let app: NestFastifyApplication;
  let queue: Queue;
  let mockId: string;
  let brokenId: string;
  let refreshes: ConnectionRefreshRepository;
  const mock = new MockTokenEndpoint({ expiresIn: 3600 });
  const prefix = testRedisPrefix();
  const vaultKeys = KeyRing.generateSpec('k1');
  const vault = new Vault(KeyRing.parse(vaultKeys));

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await new DataSource(buildDataSourceOptions(database.url, { poolSize: 2 })).initialize();
    refreshes = new ConnectionRefreshRepository(ds);
    await mock.start();
    mockId = await seedRefreshProvider(ds, vault, mock.url, 'mock');
    // Nothing listens on port 1: every refresh there is a transport failure.
    brokenId = await seedRefreshProvider(ds, vault, 'http://127.0.0.1:1/token', 'broken');
    const config = loadConfig(workersSchema, {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      VAULT_KEYS: vaultKeys,
      LOG_LEVEL: 'silent',
      REFRESH_SWEEP_EVERY_MS: '3600000',
      REFRESH_ATTEMPTS: '1',
      METRICS_AGGREGATE_CACHE_MS: '0',
      AUTH_HEALTH_MAX_FAILED_REFRESHES: '0',
    });
    const logger = pino({ level: 'silent' });
    const metrics = new MetricsService('test-observe');
    app = await createHttpApp(WorkersModule.forRoot(config, logger, metrics), { logger, metrics });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    queue = new Queue(QUEUES.tokenRefresh, {
      prefix: `${prefix}bull`,
      connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    });
  });

  afterAll(async () => {
    await app.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await mock.stop();
    await ds.destroy();
    await database.drop();
  });

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    return { status: res.statusCode, headers: res.headers, text: res.body };
  };
  /** The value of the one series of `name` whose labels include `labels` (label order aside). */
  const sample = async (name: string, labels: Record<string, string>) => {
    const text = (await get('/metrics')).text;
    for (const line of text.split('\n')) {
      const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
      if (match?.[1] !== name) {
        continue;
      }
      const found = Object.fromEntries(
        [...match[2].matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
      );
      if (Object.entries(labels).every(([k, v]) => found[k] === v)) {
        return Number(match[3]);
      }
    }
    return undefined;
  };
  const sweepNow = () => queue.add('refresh-sweep', {});
  const generationMoved = async (id: string, from: number) =>
    (await refreshes.findById(id))!.refreshGeneration > from;

  it('healthy: 200 in the seed shape, every registered provider listed; a refresh counted, its latency and the new expiry exported', async () => {
    const seeded = await seedConnection(ds, vault, mockId, 'alice', mock.issue('alice'), 1000);
    await sweepNow();
    await within(10_000, () => generationMoved(seeded.id, seeded.refreshGeneration));
    // The job records its outcome after the use case stored the tokens.
    await within(5_000, async () => {
      const refreshed = { provider: 'mock', outcome: 'refreshed', reason: 'none' };
      return (await sample('auth_token_refresh_total', refreshed)) === 1;
    });
    const res = await get('/health/auth');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.text)).toEqual({
      healthy: true,
      providers: { broken: 'healthy', mock: 'healthy' },
      session_storage: 'healthy',
      token_refresh: 'healthy',
    });
    expect(
      await sample('workers_job_latency_seconds_count', { queue: 'token-refresh' }),
    ).toBeGreaterThanOrEqual(1);
    // Refreshed for an hour: the token is past the 1800 s bucket, within the 3600 s one.
    expect(
      await sample('auth_connection_time_to_expiry_seconds_bucket', {
        le: '1800',
        provider: 'mock',
      }),
    ).toBe(0);
    expect(
      await sample('auth_connection_time_to_expiry_seconds_bucket', {
        le: '3600',
        provider: 'mock',
      }),
    ).toBe(1);
    expect(await sample('auth_connection_time_to_expiry_seconds_count', { provider: 'mock' })).toBe(
      1,
    );
  });

  it('invalid_grant: counted by its RFC 6749 code, the connection counted stranded, the dead letter degrades token_refresh (503)', async () => {
    const first = mock.issue('bob');
    const seeded = await seedConnection(ds, vault, mockId, 'bob', first, 1000);
    await fetch(mock.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token,
      }),
    });
    await sweepNow();
    await within(
      10_000,
      async () => (await refreshes.findById(seeded.id))!.status === 'needs_reauth',
    );
    await within(5_000, async () => (await queue.getJobCounts('failed')).failed === 1);
    await within(
      5_000,
      async () =>
        (await sample('auth_token_refresh_total', {
          provider: 'mock',
          outcome: 'needs_reauth',
          reason: 'invalid_grant',
        })) === 1,
    );
    expect(await sample('auth_connections_stranded', { provider: 'mock' })).toBe(1);
    expect(await sample('auth_connections_active', { provider: 'mock' })).toBe(1);
    expect(await sample('workers_queue_jobs', { queue: 'token-refresh', state: 'failed' })).toBe(1);
    const res = await get('/health/auth');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toMatchObject({
      healthy: false,
      session_storage: 'healthy',
      token_refresh: 'degraded',
      providers: { mock: 'healthy' },
    });
  });

  it('a provider whose recent refreshes all fail is degraded; transport failures count as retry/transport', async () => {
    for (const subject of ['carol', 'dave', 'erin']) {
      await seedConnection(ds, vault, brokenId, subject, mock.issue(subject), 1000);
    }
    await sweepNow();
    await within(
      15_000,
      async () =>
        (await sample('auth_token_refresh_total', {
          provider: 'broken',
          outcome: 'retry',
          reason: 'transport',
        })) === 3,
    );
    const res = await get('/health/auth');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text).providers).toEqual({ broken: 'degraded', mock: 'healthy' });
    // A transport failure is an outage, not a refusal: nothing is marked.
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM connections WHERE provider_id = $1 AND status = 'active'`,
      [brokenId],
    );
    expect(n).toBe(3);
  });

  it('token_refresh is unhealthy (503) once the refresh worker stops; session storage still healthy', async () => {
    await app.get(TokenRefreshProcessor).worker.close();
    const res = await get('/health/auth');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toMatchObject({
      healthy: false,
      session_storage: 'healthy',
      token_refresh: 'unhealthy',
    });
  });
});
