import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { QueueEvents } from 'bullmq';
import Redis from 'ioredis';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { loadConfig, workersSchema } from '@app/config';
import { KeyRing, Vault } from '@app/crypto';
import { connectionCompletedChannel, credentialChannel } from '@app/gateway-contract';
import {
  DEVICE_POLL_SWEEP_SCHEDULER_ID,
  devicePollJobId,
  devicePollJobOptions,
  JobProducer,
  QUEUES,
  refreshJobId,
  SESSION_RECOVERY_SCHEDULER_ID,
  UPSTREAM_HEALTH_SCHEDULER_ID,
} from '@app/jobs';
import { createHttpApp, MetricsService } from '@app/observability';
import { buildDataSourceOptions, ConnectionRepository, ProviderRepository } from '@app/persistence';
import {
  DeviceAuthorizationStore,
  StartDeviceAuthorizationUseCase,
  TokenEndpointClient,
} from '@app/provider-flows';
import { within } from '@app/testing';
import { deviceCodeBinding, providerSecretBinding } from '@app/vault';
import {
  createTestDatabase,
  testRedisPrefix,
  type TestDatabase,
} from '../../../../test/support/test-database';
import { WorkersModule } from '../workers.module';
import { DevicePollSweepUseCase } from './device-poll-sweep.usecase';

type Answer = { status: number; body: object };

/**
 * Issue 10 §1–2: device-code polling (RFC 8628 §3.4–3.5) end to end on BullMQ — one step job per
 * authorization, the provider's pace, the stop conditions, the hand-off to the gateway and to the
 * refresh schedule, and the sweep that brings back a lost poll. Real Postgres, Redis, HTTP.
 */
describe('workers: device-code polling on BullMQ (RFC 8628, real Postgres, Redis)', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let redis: Redis;
  let subscriber: Redis;
  let jobs: JobProducer;
  let events: QueueEvents;
  let app: NestFastifyApplication;
  let provider: Server;
  let start: StartDeviceAuthorizationUseCase;
  let store: DeviceAuthorizationStore;
  let connections: ConnectionRepository;
  /** Scripted answers per device code; `authorization_pending` when none is left. */
  const script = new Map<string, Answer[]>();
  /** When each token request arrived, per device code. */
  const polls = new Map<string, number[]>();
  const published: { channel: string; message: string }[] = [];
  let issued = 0;
  const prefix = testRedisPrefix();
  const vaultKeys = KeyRing.generateSpec('k1');
  const vault = new Vault(KeyRing.parse(vaultKeys));
  const providerId = '6f1d3a52-0000-4000-8000-0000000000aa';
  const noDeviceProviderId = '6f1d3a52-0000-4000-8000-0000000000bb';

  const pendingOf = async (subject: string) =>
    (await store.getActive(subject, providerId))!.pendingId;
  const deviceCodeOf = async () => `dc-${issued}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await new DataSource(buildDataSourceOptions(database.url, { poolSize: 2 })).initialize();
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    subscriber = redis.duplicate();
    await subscriber.subscribe(connectionCompletedChannel(prefix), credentialChannel(prefix));
    subscriber.on('message', (channel: string, message: string) =>
      published.push({ channel, message }),
    );
    jobs = new JobProducer(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix);
    events = new QueueEvents(QUEUES.credentials, {
      prefix: `${prefix}bull`,
      connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    });
    await events.waitUntilReady();
    provider = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        let answer: Answer;
        if (req.url === '/device') {
          issued += 1;
          answer = {
            status: 200,
            body: {
              device_code: `dc-${issued}`,
              user_code: `CODE-${issued}`,
              verification_uri: 'https://x.example/device',
              expires_in: 600,
              interval: 1,
            },
          };
        } else {
          const code = new URLSearchParams(body).get('device_code') ?? '';
          polls.set(code, [...(polls.get(code) ?? []), Date.now()]);
          answer = script.get(code)?.shift() ?? {
            status: 400,
            body: { error: 'authorization_pending' },
          };
        }
        res
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    const providers = new ProviderRepository(ds);
    for (const [id, name, enabled] of [
      [providerId, 'gh', true],
      [noDeviceProviderId, 'nodev', false],
    ] as const) {
      await providers.create(
        {
          id,
          name,
          kind: 'oauth2',
          clientId: 'c',
          clientSecretSealed: vault.seal('s', providerSecretBinding(id)),
          settings: {
            token_endpoint: `${base}/token`,
            device_authorization_endpoint: `${base}/device`,
            device_code_enabled: enabled,
          },
        },
        { actor: 'test' },
      );
    }
    const config = loadConfig(workersSchema, {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      VAULT_KEYS: vaultKeys,
      LOG_LEVEL: 'silent',
      // The schedules run once at start; the tests run the sweep themselves.
      DEVICE_POLL_SWEEP_EVERY_MS: '3600000',
      SESSION_RECOVERY_EVERY_MS: '3600000',
      REFRESH_SWEEP_EVERY_MS: '3600000',
    });
    const logger = pino({ level: 'silent' });
    const metrics = new MetricsService('test');
    app = await createHttpApp(WorkersModule.forRoot(config, logger, metrics), { logger, metrics });
    await app.init();
    store = new DeviceAuthorizationStore(redis, prefix);
    connections = new ConnectionRepository(ds);
    start = new StartDeviceAuthorizationUseCase(
      providers,
      vault,
      new TokenEndpointClient(),
      store,
      jobs,
    );
  });

  afterAll(async () => {
    await app.close();
    await events.close();
    await jobs.credentialsQueue.obliterate({ force: true });
    await jobs.refreshQueue.obliterate({ force: true });
    await jobs.close();
    await Promise.all([redis.quit(), subscriber.quit()]);
    await new Promise((resolve) => provider.close(resolve));
    await ds.destroy();
    await database.drop();
  });

  const jobState = (pendingId: string) =>
    jobs.credentialsQueue.getJobState(devicePollJobId(pendingId));

  it('RFC 8628 §3.5 slow_down: the next poll comes ≥ interval + 5 s later, all polls are steps of one job; on success the connection is stored, the gateway told, the first refresh queued', async () => {
    await start.execute('carol', 'gh', ['repo']);
    const code = await deviceCodeOf();
    const pendingId = await pendingOf('carol');
    script.set(code, [
      { status: 400, body: { error: 'authorization_pending' } },
      { status: 400, body: { error: 'slow_down' } },
      {
        status: 200,
        body: {
          access_token: 'gho_from_worker',
          token_type: 'bearer',
          scope: 'repo',
          refresh_token: 'ghr_1',
          expires_in: 3600,
        },
      },
    ]);
    await within(5_000, () => (polls.get(code)?.length ?? 0) >= 2);
    // Between polls the one job waits, delayed, without having spent an attempt.
    const polling = (await jobs.credentialsQueue.getJobs(['delayed', 'waiting', 'active'])).filter(
      (job) => job.name === 'device-poll',
    );
    expect(polling).toHaveLength(1);
    expect(polling[0]).toMatchObject({ id: devicePollJobId(pendingId), attemptsMade: 0 });
    expect((await store.get(pendingId))?.interval).toBe(6);
    await within(15_000, async () => (await connections.find('carol', providerId)) !== null);
    const [first, second, third] = polls.get(code)!;
    expect(second! - first!).toBeGreaterThanOrEqual(1000);
    expect(third! - second!).toBeGreaterThanOrEqual(6000);
    const connection = (await connections.find('carol', providerId))!;
    expect(connection).toMatchObject({ status: 'active', scopes: ['repo'] });
    await within(2_000, async () => (await jobState(pendingId)) === 'unknown');
    expect(await store.get(pendingId)).toBeNull();
    expect(await store.getActive('carol', providerId)).toBeNull();
    await within(2_000, () => published.some((p) => p.message.includes('CODE-')));
    expect(published).toEqual(
      expect.arrayContaining([
        { channel: credentialChannel(prefix), message: JSON.stringify({ subject: 'carol' }) },
        {
          channel: connectionCompletedChannel(prefix),
          message: JSON.stringify({ subject: 'carol', provider: 'gh', elicitation_id: 'CODE-1' }),
        },
      ]),
    );
    const refresh = await jobs.refreshQueue.getJob(
      refreshJobId({ connectionId: connection.id, generation: connection.refreshGeneration }),
    );
    expect(await refresh?.getState()).toBe('delayed');
    expect(refresh?.data).toEqual({
      connectionId: connection.id,
      generation: connection.refreshGeneration,
    });
  }, 30_000);

  it.each([
    ['access_denied', 'denied'],
    ['expired_token', 'expired'],
  ])(
    'RFC 8628 §3.5 %s: polling stops, no connection, the pending record is gone',
    async (error, outcome) => {
      const subject = `user-${error}`;
      await start.execute(subject, 'gh', []);
      const code = await deviceCodeOf();
      const pendingId = await pendingOf(subject);
      script.set(code, [
        { status: 400, body: { error: 'authorization_pending' } },
        { status: 400, body: { error } },
      ]);
      const job = (await jobs.credentialsQueue.getJob(devicePollJobId(pendingId)))!;
      expect(await job.waitUntilFinished(events, 15_000)).toBe(outcome);
      expect(polls.get(code)).toHaveLength(2);
      expect(await jobState(pendingId)).toBe('unknown');
      expect(await store.get(pendingId)).toBeNull();
      expect(await store.getActive(subject, providerId)).toBeNull();
      expect(await connections.find(subject, providerId)).toBeNull();
    },
    20_000,
  );

  it('a provider that no longer allows the device flow fails the job for good (UnrecoverableError, no retry)', async () => {
    const pendingId = crypto.randomUUID();
    await store.save(pendingId, {
      subject: 'frank',
      providerId: noDeviceProviderId,
      scopes: [],
      deviceCodeSealed: vault.seal('dc-x', deviceCodeBinding(pendingId, noDeviceProviderId)),
      interval: 1,
      expiresAt: Date.now() + 60_000,
    });
    await jobs.enqueueDevicePoll({ pendingId }, 0);
    await within(10_000, async () => (await jobState(pendingId)) === 'failed');
    const job = (await jobs.credentialsQueue.getJob(devicePollJobId(pendingId)))!;
    expect(job.attemptsMade).toBe(1);
    expect(job.opts.attempts).toBeGreaterThan(1);
    expect(job.failedReason).toBe(
      'failed: the provider was removed or no longer allows the device flow',
    );
    expect(polls.has('dc-x')).toBe(false);
    expect(await store.get(pendingId)).toBeNull();
  });

  it('an unknown job on the credentials queue fails at once instead of completing as ignored', async () => {
    const job = await jobs.credentialsQueue.add('no-such-job', {}, { attempts: 3 });
    await within(10_000, async () => (await job.getState()) === 'failed');
    const failed = (await jobs.credentialsQueue.getJob(job.id!))!;
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toBe('unknown job "no-such-job" on the credentials queue');
  });

  it('the sweep re-queues the poll of a pending authorization whose job was lost, and the user still gets connected', async () => {
    await start.execute('dave', 'gh', ['repo']);
    const code = await deviceCodeOf();
    const pendingId = await pendingOf('dave');
    await (await jobs.credentialsQueue.getJob(devicePollJobId(pendingId)))!.remove();
    script.set(code, [
      { status: 200, body: { access_token: 'gho_swept', token_type: 'bearer', scope: 'repo' } },
    ]);
    const sweep = app.get(DevicePollSweepUseCase);
    expect(await sweep.execute()).toMatchObject({ requeued: 1, retried: 0 });
    // Twice: the job exists now, nothing more is queued.
    expect(await sweep.execute()).toMatchObject({ requeued: 0, retried: 0 });
    await within(10_000, async () => (await connections.find('dave', providerId)) !== null);
    expect(polls.get(code)).toHaveLength(1);
    await within(2_000, async () => (await store.get(pendingId)) === null);
    expect(await sweep.execute()).toMatchObject({ pending: 0, requeued: 0 });
  }, 20_000);

  it('the sweep gives a poll job that failed for good during an outage another go', async () => {
    const pendingId = crypto.randomUUID();
    const pending = {
      subject: 'gina',
      scopes: [],
      interval: 1,
      expiresAt: Date.now() + 60_000,
    };
    // A provider id Postgres refuses: every attempt throws, as it would with Postgres down.
    await store.save(pendingId, { ...pending, providerId: 'not-a-uuid', deviceCodeSealed: 'x' });
    await jobs.credentialsQueue.add(
      'device-poll',
      { pendingId },
      { ...devicePollJobOptions({ pendingId }, 0), attempts: 1 },
    );
    await within(10_000, async () => (await jobState(pendingId)) === 'failed');
    await store.update(pendingId, {
      ...pending,
      providerId,
      deviceCodeSealed: vault.seal('dc-gina', deviceCodeBinding(pendingId, providerId)),
    });
    script.set('dc-gina', [
      { status: 200, body: { access_token: 'gho_retried', token_type: 'bearer', scope: '' } },
    ]);
    expect(await app.get(DevicePollSweepUseCase).execute()).toMatchObject({ retried: 1 });
    await within(10_000, async () => (await connections.find('gina', providerId)) !== null);
    expect(polls.get('dc-gina')).toHaveLength(1);
  }, 20_000);

  it('a reused authorization gets its lost poll job back: the same code is shown, polling resumes', async () => {
    const first = await start.execute('erin', 'gh', []);
    const pendingId = await pendingOf('erin');
    await (await jobs.credentialsQueue.getJob(devicePollJobId(pendingId)))!.remove();
    expect(await jobState(pendingId)).toBe('unknown');
    const again = await start.execute('erin', 'gh', []);
    expect(again.user_code).toBe(first.user_code);
    expect(await jobState(pendingId)).toBe('delayed');
  });

  it('one sweep, one session-recovery and one upstream-health schedule per deployment', async () => {
    const schedulers = await jobs.credentialsQueue.getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).toEqual(
      [
        DEVICE_POLL_SWEEP_SCHEDULER_ID,
        SESSION_RECOVERY_SCHEDULER_ID,
        UPSTREAM_HEALTH_SCHEDULER_ID,
      ].sort(),
    );
  });
});
