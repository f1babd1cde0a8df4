import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { loadConfig, workersSchema } from '@app/config';
import { KeyRing } from '@app/crypto';
import { CLEANUP_SCHEDULER_ID, QUEUES } from '@app/jobs';
import { createHttpApp, MetricsService } from '@app/observability';
import {
  buildDataSourceOptions,
  type CallTrailRecord,
  CallTrailRepository,
} from '@app/persistence';
import {
  createTestDatabase,
  testRedisPrefix,
  type TestDatabase,
} from '../../../../test/support/test-database';
import { WorkersModule } from '../workers.module';

const DAY_MS = 86_400_000;

const record = (correlationId: string, ageDays: number): CallTrailRecord => ({
  occurredAt: new Date(Date.now() - ageDays * DAY_MS),
  principal: 'u1',
  clientId: null,
  upstream: 'github',
  tool: 'create_issue',
  policyId: null,
  policySetVersion: null,
  decision: 'allow',
  credentialKind: null,
  credentialId: null,
  credentialGeneration: null,
  upstreamStatus: 200,
  latencyMs: 3,
  correlationId,
});

/**
 * Issue 10 §1 (cleanup) for the call trail of issue 9 §4: the `cleanup` job deletes rows older than
 * CALL_TRAIL_RETENTION_DAYS, on a BullMQ job scheduler that two workers replicas share (one
 * schedule, each run on one worker). Real Postgres, Redis, BullMQ.
 */
describe('workers: the cleanup job (call-trail retention)', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let trail: CallTrailRepository;
  const prefix = testRedisPrefix();
  const replicas: NestFastifyApplication[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await new DataSource(buildDataSourceOptions(database.url, { poolSize: 2 })).initialize();
    trail = new CallTrailRepository(ds);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((app) => app.close()));
    const queue = new Queue(QUEUES.maintenance, {
      prefix: `${prefix}bull`,
      connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    });
    await queue.obliterate({ force: true });
    await queue.close();
    await ds.destroy();
    await database.drop();
  });

  it('deletes rows past the retention and keeps the rest; two replicas share one schedule', async () => {
    await trail.insertMany([record('old-1', 40), record('old-2', 31), record('new', 29)]);
    const config = loadConfig(workersSchema, {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
      VAULT_KEYS: KeyRing.generateSpec('k1'),
      CALL_TRAIL_RETENTION_DAYS: '30',
      CLEANUP_EVERY_MS: '3600000',
      LOG_LEVEL: 'silent',
    });
    const logger = pino({ level: 'silent' });
    for (let i = 0; i < 2; i++) {
      const metrics = new MetricsService(`test-workers-${i}`);
      const app = await createHttpApp(WorkersModule.forRoot(config, logger, metrics), {
        logger,
        metrics,
      });
      await app.init();
      replicas.push(app);
    }
    const left = async () =>
      ((await ds.query('SELECT correlation_id FROM call_trail')) as { correlation_id: string }[])
        .map((row) => row.correlation_id)
        .sort();
    // The first run comes at once after the scheduler is upserted (then every CLEANUP_EVERY_MS).
    for (let attempt = 0; attempt < 100 && (await left()).length !== 1; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await left()).toEqual(['new']);

    const queue = new Queue(QUEUES.maintenance, {
      prefix: `${prefix}bull`,
      connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.every])).toEqual([[CLEANUP_SCHEDULER_ID, 3_600_000]]);
      const completed = await queue.getCompleted();
      expect(completed.map((job) => job.returnvalue)).toContainEqual({ call_trail_deleted: 2 });
    } finally {
      await queue.close();
    }
  });
});
