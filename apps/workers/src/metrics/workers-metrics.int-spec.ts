import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { loadConfig, workersSchema } from '@app/config';
import { KeyRing, Vault } from '@app/crypto';
import { devicePollJobId, devicePollJobOptions, JOBS, QUEUES, refreshJobId } from '@app/jobs';
import { createHttpApp, MetricsService } from '@app/observability';
import { buildDataSourceOptions, ConnectionRefreshRepository } from '@app/persistence';
import { MockTokenEndpoint, within } from '@app/testing';
import { seedConnection, seedRefreshProvider } from '../../../../test/support/refresh-fixture';
import {
  createTestDatabase,
  testRedisPrefix,
  type TestDatabase,
} from '../../../../test/support/test-database';
import { REVIVE_FAILED_AFTER_MS } from '../refresh/refresh-sweep.usecase';
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
  let credentials: Queue;
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
    const connection = { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
    queue = new Queue(QUEUES.tokenRefresh, { prefix: `${prefix}bull`, connection });
    credentials = new Queue(QUEUES.credentials, { prefix: `${prefix}bull`, connection });
  });

  afterAll(async () => {
    await app.close();
    for (const q of [queue, credentials]) {
      await q.obliterate({ force: true });
      await q.close();
    }
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
      const refreshed = {
        provider: 'mock',
        outcome: 'refreshed',
        reason: 'none',
        source: 'scheduled',
      };
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
      await sample('workers_job_latency_seconds_count', {
        queue: 'token-refresh',
        job_name: 'token-refresh',
      }),
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

  it('auth_refresh_sweep_total counts what a sweep scanned, queued and revived (a job failed on transient failures 15 min ago)', async () => {
    const seeded = await seedConnection(ds, vault, brokenId, 'frank', mock.issue('frank'), 1000);
    const id = refreshJobId({ connectionId: seeded.id, generation: seeded.refreshGeneration });
    await sweepNow();
    // REFRESH_ATTEMPTS 1: the transport failure leaves the job failed with its attempts spent.
    await within(10_000, async () => (await queue.getJobState(id)) === 'failed');
    // As if it had failed REVIVE_FAILED_AFTER_MS ago (the sweep reads the job's finishedOn).
    const failedAt = Date.now() - REVIVE_FAILED_AFTER_MS - 1000;
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    await redis.hset(queue.toKey(id), 'finishedOn', String(failedAt)).finally(() => redis.quit());
    const count = async (result: string) =>
      (await sample('auth_refresh_sweep_total', { result })) ?? 0;
    const before = { scanned: await count('scanned'), queued: await count('queued') };
    const revived = await count('revived');
    await sweepNow();
    await within(10_000, async () => (await count('revived')) === revived + 1);
    // The due connections of this file (frank's among them) were queued again (existing ids kept).
    expect((await count('queued')) - before.queued).toBeGreaterThanOrEqual(1);
    expect((await count('scanned')) - before.scanned).toBeGreaterThanOrEqual(
      (await count('queued')) - before.queued,
    );
    expect(
      await sample('workers_job_latency_seconds_count', {
        queue: 'token-refresh',
        job_name: 'refresh-sweep',
      }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('workers_job_latency_seconds covers every queue by job name: a device-poll job, session recovery, maintenance', async () => {
    const payload = { pendingId: randomUUID() };
    const id = devicePollJobId(payload.pendingId);
    const polls = () =>
      sample('workers_job_latency_seconds_count', {
        queue: 'credentials',
        job_name: 'device-poll',
      });
    expect(await polls()).toBeUndefined();
    // No such pending authorization: the poll job runs and completes (gone; removed on complete).
    await credentials.add(JOBS.devicePoll, payload, devicePollJobOptions(payload, 0));
    await within(10_000, async () => (await polls()) === 1);
    await within(10_000, async () => (await credentials.getJobState(id)) === 'unknown');
    // The job schedulers' first runs, at start.
    for (const [queueName, jobName] of [
      ['credentials', 'session-recovery'],
      ['maintenance', 'cleanup'],
    ]) {
      await within(
        10_000,
        async () =>
          ((await sample('workers_job_latency_seconds_count', {
            queue: queueName,
            job_name: jobName,
          })) ?? 0) >= 1,
      );
    }
    // Labels are queue and job names only: no series per job id.
    const text = (await get('/metrics')).text;
    expect(text).not.toContain(payload.pendingId);
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
