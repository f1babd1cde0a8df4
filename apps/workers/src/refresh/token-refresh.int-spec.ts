import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { loadConfig, workersSchema } from '@app/config';
import { KeyRing, Vault } from '@app/crypto';
import { JOBS, JobProducer, QUEUES, refreshJobId, refreshJobOptions } from '@app/jobs';
import { createHttpApp, MetricsService } from '@app/observability';
import { buildDataSourceOptions, ConnectionRefreshRepository } from '@app/persistence';
import { MockTokenEndpoint, within } from '@app/testing';
import {
  seedConnection,
  seedRefreshProvider,
  storedRefreshToken,
} from '../../../../test/support/refresh-fixture';
import {
  createTestDatabase,
  testRedisPrefix,
  type TestDatabase,
} from '../../../../test/support/test-database';
import { WorkersModule } from '../workers.module';
import { REVIVE_FAILED_AFTER_MS, RefreshSweepUseCase } from './refresh-sweep.usecase';

/**
 * Issue 10 §1–2: the token-refresh queue against a provider with strict rotation (the mock token
 * endpoint), real Postgres, Redis and BullMQ, one workers process in-process.
 */
describe('workers: proactive token refresh (RFC 6749 §6, strict rotation)', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let app: NestFastifyApplication;
  let queue: Queue;
  let providerId: string;
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
    providerId = await seedRefreshProvider(ds, vault, mock.url);
    const config = loadConfig(workersSchema, {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      VAULT_KEYS: vaultKeys,
      LOG_LEVEL: 'silent',
      REFRESH_THRESHOLD_S: '300',
      REFRESH_SWEEP_EVERY_MS: '3600000',
    });
    const logger = pino({ level: 'silent' });
    const metrics = new MetricsService('test-refresh');
    app = await createHttpApp(WorkersModule.forRoot(config, logger, metrics), { logger, metrics });
    await app.init();
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

  const sweepNow = () => queue.add('refresh-sweep', {});

  it('refreshes a 4-second token at half its lifetime (lead shortened from 5 min), stores the rotated pair, queues the next generation', async () => {
    const family = 'short-lived';
    const seeded = await seedConnection(ds, vault, providerId, 'alice', mock.issue(family), 4000);
    await sweepNow();
    await within(10_000, async () => {
      const row = await refreshes.findById(seeded.id);
      return row!.refreshGeneration === seeded.refreshGeneration + 1;
    });
    const row = (await refreshes.findById(seeded.id))!;
    expect(row.status).toBe('active');
    expect(storedRefreshToken(vault, row)).toBe(mock.latestOf(family));
    expect(row.expiresAt!.getTime() - row.issuedAt!.getTime()).toBe(3600_000);
    const next = await queue.getJob(
      refreshJobId({ connectionId: row.id, generation: row.refreshGeneration }),
    );
    expect(await next?.getState()).toBe('delayed');
    // The job the sweep queued for the old generation is removed once done (Redis stays bounded).
    expect(
      await queue.getJob(
        refreshJobId({ connectionId: row.id, generation: seeded.refreshGeneration }),
      ),
    ).toBeUndefined();
    // Lead min(300 s, 1800 s) before expiry, minus at most 30 s of jitter.
    const runAt = next!.timestamp + next!.opts.delay!;
    expect(runAt).toBeLessThanOrEqual(row.expiresAt!.getTime() - 300_000);
    expect(runAt).toBeGreaterThanOrEqual(row.expiresAt!.getTime() - 330_000);
    expect(mock.stats.reuses).toBe(0);
  });

  it('invalid_grant (a refresh token the provider already rotated): needs_reauth, refresh token dropped, job failed without retries', async () => {
    const family = 'burnt';
    const first = mock.issue(family);
    const seeded = await seedConnection(ds, vault, providerId, 'bob', first, 1000);
    // Someone used the refresh token behind our back (or we crashed after the provider answered).
    await fetch(mock.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token,
      }),
    });
    await sweepNow();
    await within(10_000, async () => (await refreshes.findById(seeded.id))!.status !== 'active');
    const row = (await refreshes.findById(seeded.id))!;
    expect(row).toMatchObject({
      status: 'needs_reauth',
      refreshTokenSealed: null,
      lastRefreshError: 'invalid_grant',
      refreshFailures: 1,
    });
    // The row is marked before the processor throws: wait for BullMQ to file the job as failed,
    // then read it afresh (a copy read earlier holds the attempt count of before).
    const id = refreshJobId({ connectionId: seeded.id, generation: seeded.refreshGeneration });
    await within(10_000, async () => (await queue.getJobState(id)) === 'failed');
    const job = await queue.getJob(id);
    expect(job!.attemptsMade).toBe(1);
    expect(job!.failedReason).toBe('needs_reauth: invalid_grant');
  });

  it('a 503 is retried with backoff and the refresh then succeeds; nothing is marked because of an outage', async () => {
    const family = 'flaky';
    mock.options.errorRate = 1;
    const seeded = await seedConnection(ds, vault, providerId, 'carol', mock.issue(family), 1000);
    await sweepNow();
    await within(10_000, async () => (await refreshes.findById(seeded.id))!.refreshFailures >= 1);
    expect((await refreshes.findById(seeded.id))!.status).toBe('active');
    mock.options.errorRate = 0;
    await within(20_000, async () => {
      const row = await refreshes.findById(seeded.id);
      return row!.refreshGeneration > seeded.refreshGeneration;
    });
    const row = (await refreshes.findById(seeded.id))!;
    expect(row).toMatchObject({ status: 'active', refreshFailures: 0, lastRefreshError: null });
    expect(storedRefreshToken(vault, row)).toBe(mock.latestOf(family));
  });

  it('the sweep re-queues a refresh whose job was lost (queue drained), once', async () => {
    const seeded = await seedConnection(
      ds,
      vault,
      providerId,
      'dave',
      mock.issue('lost'),
      3600_000,
    );
    // Due in 55 min, inside the sweep horizon (two sweep periods of 1 h): queued, delayed.
    await sweepNow();
    const id = refreshJobId({ connectionId: seeded.id, generation: seeded.refreshGeneration });
    await within(10_000, async () => (await queue.getJob(id)) !== undefined);
    await queue.drain(true);
    expect(await queue.getJob(id)).toBeUndefined();
    await sweepNow();
    await sweepNow();
    await within(10_000, async () => (await queue.getJob(id)) !== undefined);
    const delayed = await queue.getDelayed();
    expect(delayed.filter((job) => job.id === id)).toHaveLength(1);
  });

  it('a job whose attempts all went on transient failures is tried again by the sweep once it has been failed REVIVE_FAILED_AFTER_MS (nothing left unscheduled by an outage)', async () => {
    const family = 'outage';
    const seeded = await seedConnection(ds, vault, providerId, 'erin', mock.issue(family), 1000);
    const payload = { connectionId: seeded.id, generation: seeded.refreshGeneration };
    const id = refreshJobId(payload);
    mock.options.errorRate = 1;
    // One attempt, so the test need not sit through the backoff: a job with its attempts spent.
    await queue.add(JOBS.tokenRefresh, payload, refreshJobOptions(payload, Date.now(), 1));
    await within(10_000, async () => (await queue.getJobState(id)) === 'failed');
    mock.options.errorRate = 0;
    const sweep = app.get(RefreshSweepUseCase);
    // Within the cool-off it stays in the dead-letter view (and its id keeps the sweep's add a no-op).
    expect((await sweep.execute()).revived).toBe(0);
    expect(await queue.getJobState(id)).toBe('failed');
    expect((await sweep.execute(Date.now() + REVIVE_FAILED_AFTER_MS + 1000)).revived).toBe(1);
    await within(10_000, async () => {
      const row = await refreshes.findById(seeded.id);
      return row!.refreshGeneration > seeded.refreshGeneration;
    });
    const row = (await refreshes.findById(seeded.id))!;
    expect(row).toMatchObject({ status: 'active', refreshFailures: 0, lastRefreshError: null });
    expect(storedRefreshToken(vault, row)).toBe(mock.latestOf(family));
  });

  it('a job that runs before the window (queued too early) goes back to delayed without an attempt or a provider call', async () => {
    const seeded = await seedConnection(
      ds,
      vault,
      providerId,
      'erin',
      mock.issue('early'),
      3600_000,
    );
    const before = mock.stats.refreshes;
    const producer = new JobProducer(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix);
    try {
      const payload = { connectionId: seeded.id, generation: seeded.refreshGeneration };
      await producer.scheduleRefresh(payload, Date.now());
      const job = () => queue.getJob(refreshJobId(payload));
      await within(10_000, async () => (await (await job())?.getState()) === 'delayed');
      const delayed = (await job())!;
      expect(delayed.attemptsMade).toBe(0);
      // Back to its window: at most the lead (300 s) and 30 s of jitter before expiry.
      expect(delayed.timestamp + (delayed.delay ?? 0)).toBeGreaterThan(
        seeded.expiresAt!.getTime() - 331_000,
      );
      expect(mock.stats.refreshes).toBe(before);
      expect((await refreshes.findById(seeded.id))!.refreshLeaseToken).toBeNull();
    } finally {
      await producer.close();
    }
  });
});
