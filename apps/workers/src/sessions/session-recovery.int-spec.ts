import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { QueueEvents } from 'bullmq';
import Redis from 'ioredis';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { type GatewayConfig, loadConfig, workersSchema } from '@app/config';
import { KeyRing, Vault } from '@app/crypto';
import { credentialChannel } from '@app/gateway-contract';
import { JobProducer, QUEUES, SESSION_RECOVERY_JOB_ID } from '@app/jobs';
import { createHttpApp, MetricsService } from '@app/observability';
import { buildDataSourceOptions, ConnectionRepository } from '@app/persistence';
import { MockTokenEndpoint, within } from '@app/testing';
import { AggregateSessionStore } from '../../../gateway/src/aggregate/aggregate-session.store';
import { SessionStore } from '../../../gateway/src/sessions/session.store';
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
import { LiveSessionScanner } from './live-session.scanner';
import type { RecoveryCounts } from './session-recovery.usecase';

const HOUR = 3_600_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Issue 10 §1 session recovery (reference "Remote MCP Mode": detect → queue → restore →
 * graceful fallback): live gateway sessions are read from the gateway's own stores' layout,
 * their users' near-expiry connections refreshed (strict rotation: no duplicate, the latest token
 * stored), the unrecoverable ones announced so the gateway resolves again and answers
 * auth-required. Real Postgres, Redis, BullMQ, the workers in-process.
 */
describe('workers: session recovery after a gateway restart', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let redis: Redis;
  let subscriber: Redis;
  let events: QueueEvents;
  let jobs: JobProducer;
  let app: NestFastifyApplication;
  let connections: ConnectionRepository;
  const mock = new MockTokenEndpoint({ expiresIn: 3600 });
  const announced: string[] = [];
  const prefix = testRedisPrefix();
  const vaultKeys = KeyRing.generateSpec('k1');
  const vault = new Vault(KeyRing.parse(vaultKeys));

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await new DataSource(buildDataSourceOptions(database.url, { poolSize: 2 })).initialize();
    connections = new ConnectionRepository(ds);
    redis = new Redis(REDIS_URL);
    subscriber = redis.duplicate();
    await subscriber.subscribe(credentialChannel(prefix));
    subscriber.on('message', (_channel: string, message: string) => announced.push(message));
    jobs = new JobProducer(REDIS_URL, prefix);
    events = new QueueEvents(QUEUES.credentials, {
      prefix: `${prefix}bull`,
      connection: { url: REDIS_URL },
    });
    await events.waitUntilReady();
    await mock.start();
    const config = loadConfig(workersSchema, {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      VAULT_KEYS: vaultKeys,
      LOG_LEVEL: 'silent',
      REFRESH_THRESHOLD_S: '300',
      REFRESH_SWEEP_EVERY_MS: '3600000',
      DEVICE_POLL_SWEEP_EVERY_MS: '3600000',
      SESSION_RECOVERY_EVERY_MS: '3600000',
    });
    const logger = pino({ level: 'silent' });
    const metrics = new MetricsService('test-recovery');
    app = await createHttpApp(WorkersModule.forRoot(config, logger, metrics), { logger, metrics });
    await app.init();
    // The schedule's first run happens at start, on an empty deployment: let it pass.
    await within(10_000, async () =>
      (await jobs.credentialsQueue.getCompleted()).some((j) => j.name === 'session-recovery'),
    );
  });

  afterAll(async () => {
    await app.close();
    await events.close();
    await jobs.credentialsQueue.obliterate({ force: true });
    await jobs.refreshQueue.obliterate({ force: true });
    await jobs.close();
    await Promise.all([redis.quit(), subscriber.quit()]);
    await mock.stop();
    await ds.destroy();
    await database.drop();
  });

  /** What a gateway start does (SessionRecoveryTrigger), and the run's answer. */
  async function recoverNow(): Promise<RecoveryCounts> {
    const done = new Promise<unknown>((resolve) => {
      const listener = (args: { jobId: string; returnvalue: unknown }) => {
        if (args.jobId === SESSION_RECOVERY_JOB_ID) {
          events.off('completed', listener);
          resolve(args.returnvalue);
        }
      };
      events.on('completed', listener);
    });
    await jobs.requestSessionRecovery();
    const value = await done;
    return (typeof value === 'string' ? JSON.parse(value) : value) as RecoveryCounts;
  }

  it('refreshes near-expiry connections of users with live sessions, leaves the rest, announces the unrecoverable ones', async () => {
    const [github, drive] = [
      await seedRefreshProvider(ds, vault, mock.url, 'github'),
      await seedRefreshProvider(ds, vault, mock.url, 'drive'),
    ];
    const anHourAgo = () => new Date(Date.now() - HOUR);
    // alice: one connection inside its refresh window (expires in 1 min), one far from it.
    const near = await seedConnection(
      ds,
      vault,
      github,
      'alice',
      mock.issue('alice-gh'),
      HOUR + 60_000,
      anHourAgo(),
    );
    const far = await seedConnection(
      ds,
      vault,
      drive,
      'alice',
      mock.issue('alice-drive'),
      2 * HOUR,
    );
    // bob: the provider refused his grant earlier.
    const bob = await seedConnection(ds, vault, github, 'bob', mock.issue('bob'), HOUR);
    await connections.setStatus(bob.id, 'bob', 'needs_reauth');
    // carol: expired, nothing to refresh it with.
    await seedConnection(
      ds,
      vault,
      github,
      'carol',
      { access_token: 'at', refresh_token: null },
      -60_000,
    );
    // dave: expired, refreshable; his session predates the recorded subject (an API key: principal = subject).
    const dave = await seedConnection(
      ds,
      vault,
      github,
      'dave',
      mock.issue('dave'),
      -60_000,
      anHourAgo(),
    );
    // erin: near expiry but no live session: the refresh schedule's business, not recovery's.
    const erin = await seedConnection(
      ds,
      vault,
      github,
      'erin',
      mock.issue('erin'),
      HOUR + 60_000,
      anHourAgo(),
    );

    const gatewayConfig = { GATEWAY_SESSION_IDLE_TTL_S: 600 } as GatewayConfig;
    const relay = new SessionStore(
      redis,
      { keyPrefix: prefix } as never,
      gatewayConfig,
      pino({ level: 'silent' }),
    );
    const aggregate = new AggregateSessionStore(
      redis,
      { keyPrefix: prefix } as never,
      gatewayConfig,
    );
    const legacy = { upstream: 'fixture', urlElicitation: false };
    await relay.bind('s-alice', { ...legacy, principal: 'https://as|alice', subject: 'alice' });
    await relay.bind('s-carol', { ...legacy, principal: 'https://as|carol', subject: 'carol' });
    await redis.set(
      `${prefix}mcp-session:fixture:old-dave`,
      JSON.stringify({ ...legacy, principal: 'dave' }),
    );
    const client = { version: '2025-06-18', capabilities: {}, clientInfo: {} };
    await aggregate.create({ ...client, principal: 'https://as|alice', subject: 'alice' });
    await aggregate.create({ ...client, principal: 'https://as|bob', subject: 'bob' });

    expect(await recoverNow()).toEqual({
      subjects: 4,
      sessions: 5,
      refreshed: 2,
      valid: 1,
      busy: 0,
      retry: 0,
      unrecoverable: 2,
      truncated: false,
    });
    const after = (subject: string) => connections.listForSubject(subject);
    const [aliceNow] = (await after('alice')).filter((c) => c.id === near.id);
    expect(storedRefreshToken(vault, aliceNow!)).toBe(mock.latestOf('alice-gh'));
    expect(aliceNow!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + HOUR - 60_000);
    const [daveNow] = await after('dave');
    expect(daveNow).toMatchObject({ id: dave.id, status: 'active' });
    expect(storedRefreshToken(vault, daveNow!)).toBe(mock.latestOf('dave'));
    const [farNow] = (await after('alice')).filter((c) => c.id === far.id);
    expect(farNow!.refreshGeneration).toBe(far.refreshGeneration);
    const [erinNow] = await after('erin');
    expect(erinNow!.refreshGeneration).toBe(erin.refreshGeneration);
    expect(storedRefreshToken(vault, erinNow!)).toBe(mock.latestOf('erin'));
    expect((await after('bob'))[0]!.status).toBe('needs_reauth');
    expect(mock.stats).toMatchObject({ refreshes: 2, reuses: 0, unknown: 0 });
    await within(2_000, () => announced.includes(JSON.stringify({ subject: 'carol' })));
    expect(announced).toEqual(
      expect.arrayContaining([
        JSON.stringify({ subject: 'bob' }),
        JSON.stringify({ subject: 'carol' }),
      ]),
    );

    // Again (the next gateway start, the schedule): nothing left to refresh, nothing refreshed twice.
    expect(await recoverNow()).toMatchObject({ refreshed: 0, valid: 3, unrecoverable: 2 });
    expect(mock.stats).toMatchObject({ refreshes: 2, reuses: 0 });
  }, 30_000);

  it('reads a bounded number of sessions per run and says when it stopped short', async () => {
    const scanner = app.get(LiveSessionScanner);
    expect(await scanner.scan()).toMatchObject({ sessions: 5, truncated: false });
    // The bound is checked between SCAN steps: one step may overshoot it.
    expect(await scanner.scan(1)).toMatchObject({ truncated: true });
  });

  it('gateway replicas starting together queue one recovery', async () => {
    const idle = new JobProducer(REDIS_URL, `${prefix}idle:`);
    try {
      await Promise.all([idle.requestSessionRecovery(), idle.requestSessionRecovery()]);
      expect(await idle.credentialsQueue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await idle.credentialsQueue.obliterate({ force: true });
      await idle.close();
    }
  });
});
