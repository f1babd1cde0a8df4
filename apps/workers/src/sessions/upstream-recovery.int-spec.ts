import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { QueueEvents } from 'bullmq';
import Redis from 'ioredis';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { type GatewayConfig, loadConfig, workersSchema } from '@app/config';
import { KeyRing, Vault } from '@app/crypto';
import { JobProducer, QUEUES, upstreamRecoveryJobId } from '@app/jobs';
import { createHttpApp, MetricsService } from '@app/observability';
import { buildDataSourceOptions, ConnectionRepository, UpstreamRepository } from '@app/persistence';
import {
  MockTokenEndpoint,
  startUpstreamFixture,
  type UpstreamFixture,
  within,
} from '@app/testing';
import { AggregateSessionStore } from '../../../gateway/src/aggregate/aggregate-session.store';
import { SessionStore } from '../../../gateway/src/sessions/session.store';
import { parsePrometheus, sampleSum } from '../../../../test/support/prometheus-text';
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
import type { RecoveryCounts } from './session-recovery.usecase';

const HOUR = 3_600_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Issue 10 §1, reference "Remote MCP Mode" step 1 "detect server restart → health check
 * monitoring": the workers probe every enabled upstream (a real MCP upstream, stopped and started
 * again on its port), keep its state in Redis, expose upstream_up{upstream}, and on down → up queue
 * one session recovery for that upstream: the users with sessions bound to it get their
 * near-expiry connections refreshed, and the aggregate sessions' upstream sessions to it are
 * dropped so the gateway initializes new ones. Real Postgres, Redis, BullMQ, the workers in-process.
 */
describe('workers: upstream health checks feed session recovery', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let redis: Redis;
  let events: QueueEvents;
  let jobs: JobProducer;
  let app: NestFastifyApplication;
  let connections: ConnectionRepository;
  let alpha: UpstreamFixture;
  let beta: UpstreamFixture;
  const mock = new MockTokenEndpoint({ expiresIn: 3600 });
  const prefix = testRedisPrefix();
  const vaultKeys = KeyRing.generateSpec('k1');
  const vault = new Vault(KeyRing.parse(vaultKeys));
  /** Every completed job of the credentials queue: its id and what it returned. */
  const completed: { jobId: string; value: unknown }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await new DataSource(buildDataSourceOptions(database.url, { poolSize: 2 })).initialize();
    connections = new ConnectionRepository(ds);
    redis = new Redis(REDIS_URL);
    jobs = new JobProducer(REDIS_URL, prefix);
    events = new QueueEvents(QUEUES.credentials, {
      prefix: `${prefix}bull`,
      connection: { url: REDIS_URL },
    });
    events.on('completed', ({ jobId, returnvalue }) => {
      completed.push({
        jobId,
        value: typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue,
      });
    });
    await events.waitUntilReady();
    await mock.start();
    [alpha, beta] = [await startUpstreamFixture(), await startUpstreamFixture()];
    const upstreams = new UpstreamRepository(ds);
    for (const [name, fixture] of [
      ['alpha', alpha],
      ['beta', beta],
    ] as const) {
      await upstreams.create(
        {
          name,
          url: fixture.url,
          credentialInjection: { type: 'none' },
          connectTimeoutMs: 1000,
          requestTimeoutMs: 2000,
        },
        { actor: 'test' },
      );
    }
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
      UPSTREAM_HEALTH_EVERY_MS: '1000',
    });
    const logger = pino({ level: 'silent' });
    const metrics = new MetricsService('test-upstream-health');
    app = await createHttpApp(WorkersModule.forRoot(config, logger, metrics), { logger, metrics });
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    await events.close();
    await jobs.credentialsQueue.obliterate({ force: true });
    await jobs.refreshQueue.obliterate({ force: true });
    await jobs.close();
    await redis.quit();
    await Promise.all([alpha.close(), beta.close(), mock.stop()]);
    await ds.destroy();
    await database.drop();
  });

  async function upstreamUp(): Promise<Record<string, number>> {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const samples = parsePrometheus(text).filter((s) => s.name === 'upstream_up');
    return Object.fromEntries(samples.map((s) => [s.labels.upstream!, s.value]));
  }

  async function gaugeBecomes(expected: Record<string, number>): Promise<void> {
    await within(15_000, async () => {
      const now = await upstreamUp();
      return Object.entries(expected).every(([name, value]) => now[name] === value);
    });
  }

  /** Health-check runs completed so far (their return value has `recovering`). */
  function healthRuns(): number {
    return completed.filter((c) => (c.value as { recovering?: unknown })?.recovering !== undefined)
      .length;
  }

  it('an upstream that stops and starts again goes upstream_up 1 → 0 → 1 and gets exactly one session recovery of its own (reference "Remote MCP Mode": detect → queue → restore)', async () => {
    const github = await seedRefreshProvider(ds, vault, mock.url, 'github');
    const anHourAgo = () => new Date(Date.now() - HOUR);
    const nearExpiry = (subject: string) =>
      seedConnection(ds, vault, github, subject, mock.issue(subject), HOUR + 60_000, anHourAgo());
    // alice: a relay session on /mcp/alpha; bob: an aggregate session that opened alpha and beta;
    // carol: a relay session on beta only; dan: an aggregate session that never used alpha.
    await nearExpiry('alice');
    await nearExpiry('bob');
    const [carol, dan] = [await nearExpiry('carol'), await nearExpiry('dan')];
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
    const binding = { urlElicitation: false };
    await relay.bind('s-alice', {
      ...binding,
      upstream: 'alpha',
      principal: 'p|alice',
      subject: 'alice',
    });
    await relay.bind('s-carol', {
      ...binding,
      upstream: 'beta',
      principal: 'p|carol',
      subject: 'carol',
    });
    const client = { version: '2025-06-18', capabilities: {}, clientInfo: {} };
    const bobs = await aggregate.create({ ...client, principal: 'p|bob', subject: 'bob' });
    await aggregate.claimUpstream(bobs, 'alpha', { id: 'alpha-session-1', version: '2025-06-18' });
    await aggregate.claimUpstream(bobs, 'beta', { id: 'beta-session-1', version: '2025-06-18' });
    const dans = await aggregate.create({ ...client, principal: 'p|dan', subject: 'dan' });
    await aggregate.claimUpstream(dans, 'beta', { id: 'beta-session-2', version: '2025-06-18' });

    await gaugeBecomes({ alpha: 1, beta: 1 });
    const port = Number(new URL(alpha.url).port);
    await alpha.close();
    await gaugeBecomes({ alpha: 0, beta: 1 });
    expect(completed.filter((c) => c.jobId === upstreamRecoveryJobId('alpha'))).toHaveLength(0);

    alpha = await startUpstreamFixture({ port });
    await gaugeBecomes({ alpha: 1, beta: 1 });
    await within(15_000, () => completed.some((c) => c.jobId === upstreamRecoveryJobId('alpha')));
    const [run] = completed.filter((c) => c.jobId === upstreamRecoveryJobId('alpha'));
    expect(run!.value as RecoveryCounts).toEqual({
      upstream: 'alpha',
      staleUpstreamSessions: 1,
      subjects: 2,
      sessions: 2,
      refreshed: 2,
      valid: 0,
      busy: 0,
      retry: 0,
      unrecoverable: 0,
      truncated: false,
    });
    const refreshToken = async (subject: string) =>
      storedRefreshToken(vault, (await connections.listForSubject(subject))[0]!);
    expect(await refreshToken('alice')).toBe(mock.latestOf('alice'));
    expect(await refreshToken('bob')).toBe(mock.latestOf('bob'));
    // Sessions not bound to alpha are left to the schedule: no refresh for carol or dan.
    for (const seeded of [carol, dan]) {
      const [now] = await connections.listForSubject(seeded.subject);
      expect(now!.refreshGeneration).toBe(seeded.refreshGeneration);
    }
    // bob's next call to alpha opens a new upstream session (no stale id, no 404 first); beta's stays.
    expect((await aggregate.find(bobs.id))!.upstreams).toEqual({
      beta: { id: 'beta-session-1', version: '2025-06-18' },
    });
    expect((await aggregate.find(dans.id))!.upstreams).toEqual({
      beta: { id: 'beta-session-2', version: '2025-06-18' },
    });

    // Two more health runs see alpha up again: nothing more is queued.
    const runs = healthRuns();
    await within(15_000, () => healthRuns() >= runs + 2);
    expect(completed.filter((c) => c.jobId === upstreamRecoveryJobId('alpha'))).toHaveLength(1);
    expect(completed.filter((c) => c.jobId === upstreamRecoveryJobId('beta'))).toHaveLength(0);
    const samples = parsePrometheus((await app.inject({ method: 'GET', url: '/metrics' })).body);
    expect(
      sampleSum(samples, 'auth_session_recovery_total', {
        outcome: 'refreshed',
        trigger: 'upstream_restart',
      }),
    ).toBe(2);
  }, 60_000);

  it('a disabled upstream is not probed and leaves the gauge', async () => {
    const upstreams = new UpstreamRepository(ds);
    const row = (await upstreams.findByName('beta'))!;
    await upstreams.update(row.id, undefined, () => ({ enabled: false }), { actor: 'test' });
    await gaugeBecomes({ alpha: 1 });
    await within(15_000, async () => !('beta' in (await upstreamUp())));
  }, 30_000);
});
