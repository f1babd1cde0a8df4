import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { loadConfig, workersSchema } from '@app/config';
import { KeyRing, Vault } from '@app/crypto';
import {
  CLEANUP_SCHEDULER_ID,
  QUEUES,
  SIGNING_KEY_ROTATION_SCHEDULER_ID,
  VAULT_ROTATION_SCHEDULER_ID,
} from '@app/jobs';
import { createHttpApp, MetricsService } from '@app/observability';
import {
  buildDataSourceOptions,
  type CallTrailRecord,
  CallTrailRepository,
  OAuthRecordRepository,
} from '@app/persistence';
import { within } from '@app/testing';
import { SigningKeyStore } from '@app/vault';
import { CLEANUP_BATCH } from './cleanup.usecase';
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
 * Issue 10 §1 (cleanup): the `cleanup` job deletes, in bounded batches, call-trail rows older than
 * CALL_TRAIL_RETENTION_DAYS (issue 9 §4), audit events older than AUDIT_RETENTION_DAYS, the
 * authorization server's records expired over an hour and its registered clients unused after
 * AS_UNUSED_CLIENT_TTL_HOURS (once in every broker replica before), on a BullMQ job scheduler
 * that two workers replicas share (one schedule, each run on one worker). Real Postgres, Redis, BullMQ.
 */
describe('workers: the cleanup job (retention and expiry, once per deployment)', () => {
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

  const audit = (id: number, ageDays: number) =>
    ds.query(
      `INSERT INTO audit_events (occurred_at, actor, action, resource_type, correlation_id)
       VALUES (now() - make_interval(days => $1), 'admin', 'update', 'policy', $2)`,
      [ageDays, `audit-${id}`],
    );
  const oauthRecord = (
    key: string,
    model: string,
    expiresInSeconds: number | undefined,
    clientId?: string,
  ) =>
    new OAuthRecordRepository(ds).upsert(
      key,
      model,
      'v1.k1.sealed',
      { grantId: null, userCode: null, uid: null, clientId: clientId ?? null },
      expiresInSeconds,
    );

  it('deletes what is past its retention or expiry and keeps the rest; two replicas share one schedule per job and rotate an aged signing key once', async () => {
    // More rows than one batch, so the job must loop (each DELETE a short transaction).
    const old = Array.from({ length: CLEANUP_BATCH + 7 }, (_, i) => record(`old-${i}`, 40));
    await trail.insertMany([...old, record('old-2', 31), record('new', 29)]);
    await audit(1, 400);
    await audit(2, 10);
    // Expired two hours ago (past the hour of grace), expired a minute ago (kept), live.
    await oauthRecord('AuthorizationCode:a', 'AuthorizationCode', 0);
    await ds.query(
      `UPDATE oauth_records SET expires_at = now() - interval '2 hours' WHERE id = 'AuthorizationCode:a'`,
    );
    await oauthRecord('AuthorizationCode:b', 'AuthorizationCode', 0);
    await ds.query(
      `UPDATE oauth_records SET expires_at = now() - interval '1 minute' WHERE id = 'AuthorizationCode:b'`,
    );
    await oauthRecord('Session:live', 'Session', 3600);
    // A registered client that never signed in, registered 25 h ago; one registered an hour ago.
    await oauthRecord('Client:unused', 'Client', undefined, 'unused');
    await oauthRecord('Client:young', 'Client', undefined, 'young');
    await ds.query(
      `UPDATE oauth_records SET created_at = now() - interval '25 hours' WHERE id = 'Client:unused'`,
    );

    // A signing key past SIGNING_KEY_ROTATE_DAYS: two replicas start, it is rotated once.
    const vaultKeys = KeyRing.generateSpec('k1');
    const agedKid = (await new SigningKeyStore(ds, new Vault(KeyRing.parse(vaultKeys))).active())
      .kid;
    await ds.query(`UPDATE signing_keys SET created_at = now() - interval '91 days'`);

    const config = loadConfig(workersSchema, {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
      VAULT_KEYS: vaultKeys,
      CALL_TRAIL_RETENTION_DAYS: '30',
      AUDIT_RETENTION_DAYS: '365',
      AS_UNUSED_CLIENT_TTL_HOURS: '24',
      CLEANUP_EVERY_MS: '3600000',
      VAULT_ROTATION_EVERY_MS: '3600000',
      SIGNING_KEY_ROTATE_DAYS: '90',
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
    const queue = new Queue(QUEUES.maintenance, {
      prefix: `${prefix}bull`,
      connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    });
    try {
      // The first run comes at once after the scheduler is upserted (then every CLEANUP_EVERY_MS).
      await within(30_000, async () =>
        (await queue.getCompleted()).some((job) => job.name === 'cleanup'),
      );
      expect(await left()).toEqual(['new']);
      expect(await ds.query('SELECT correlation_id FROM audit_events')).toEqual([
        { correlation_id: 'audit-2' },
      ]);
      expect(
        ((await ds.query('SELECT id FROM oauth_records ORDER BY id')) as { id: string }[]).map(
          (row) => row.id,
        ),
      ).toEqual(['AuthorizationCode:b', 'Client:young', 'Session:live']);

      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.every]).sort()).toEqual([
        [CLEANUP_SCHEDULER_ID, 3_600_000],
        [SIGNING_KEY_ROTATION_SCHEDULER_ID, 3_600_000],
        [VAULT_ROTATION_SCHEDULER_ID, 3_600_000],
      ]);
      const completed = await queue.getCompleted();
      expect(
        completed.filter((job) => job.name === 'cleanup').map((job) => job.returnvalue),
      ).toEqual([
        {
          call_trail_deleted: CLEANUP_BATCH + 8,
          audit_events_deleted: 1,
          oauth_records_deleted: 1,
          unused_clients_deleted: 1,
        },
      ]);
      await within(30_000, async () =>
        (await queue.getCompleted()).some((job) => job.name === 'signing-key-rotation'),
      );
      const keys = (await ds.query('SELECT kid, state FROM signing_keys ORDER BY created_at')) as {
        kid: string;
        state: string;
      }[];
      expect(keys.map((k) => [k.kid === agedKid, k.state])).toEqual([
        [true, 'previous'],
        [false, 'active'],
      ]);
      expect(
        (await queue.getCompleted())
          .filter((job) => job.name === 'signing-key-rotation')
          .map((job) => job.returnvalue),
      ).toEqual([{ rotated: keys[1]!.kid }]);
    } finally {
      await queue.close();
    }
  });
});
