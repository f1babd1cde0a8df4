import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { KeyRing, Vault } from '@app/crypto';
import { credentialChannel } from '@app/gateway-contract';
import { JobProducer } from '@app/jobs';
import { buildDataSourceOptions, ConnectionRepository, ProviderRepository } from '@app/persistence';
import { CredentialChangePublisher } from '@app/redis';
import { within } from '@app/testing';
import { connectionTokenBinding, providerSecretBinding } from '@app/vault';
import {
  createTestDatabase,
  testRedisPrefix,
  type TestDatabase,
} from '../../../test/support/test-database';
import { DeviceAuthorizationStore } from './device-authorization.store';
import { PollDeviceAuthorizationUseCase } from './poll-device-authorization.usecase';
import { StartDeviceAuthorizationUseCase } from './start-device-authorization.usecase';
import { TokenEndpointClient } from './token-endpoint.client';

interface Scripted {
  status: number;
  body: Record<string, unknown>;
}

/** A provider whose device and token endpoints answer from a script, recording each request. */
async function scriptedProvider(): Promise<{
  server: Server;
  base: string;
  token: Scripted[];
  /** Device answers to give instead of the standard one, first in first out. */
  device: Scripted[];
  requests: Record<string, string>[];
}> {
  const token: Scripted[] = [];
  const device: Scripted[] = [];
  const requests: Record<string, string>[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(raw));
      requests.push({
        path: req.url ?? '',
        authorization: req.headers.authorization ?? '',
        ...form,
      });
      const answer: Scripted =
        req.url === '/device'
          ? (device.shift() ?? {
              status: 200,
              body: {
                device_code: 'device-code-secret-1',
                user_code: 'WDJB-MJHT',
                verification_uri: 'https://example.com/device',
                verification_uri_complete: 'https://example.com/device?user_code=WDJB-MJHT',
                expires_in: 1800,
                interval: 5,
              },
            })
          : (token.shift() ?? { status: 500, body: { error: 'script_exhausted' } });
      res
        .writeHead(answer.status, { 'content-type': 'application/json' })
        .end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    device,
    requests,
  };
}

describe('SPEC-MUST 31: RFC 8628 device authorization (real Postgres, Redis, BullMQ)', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let redis: Redis;
  let subscriber: Redis;
  /** What the gateways were told on the credential channel. */
  const announced: string[] = [];
  let jobs: JobProducer;
  let fake: Awaited<ReturnType<typeof scriptedProvider>>;
  let start: StartDeviceAuthorizationUseCase;
  let poll: PollDeviceAuthorizationUseCase;
  const prefix = testRedisPrefix();
  const vault = new Vault(KeyRing.parse(KeyRing.generateSpec('k1')));
  let providerId: string;

  /** The lease a poll takes lasts `interval`; dropping it stands in for that time passing. */
  const intervalPassed = (pendingId: string) => redis.del(`${prefix}device-lease:${pendingId}`);
  const pendingIds = async () =>
    (await redis.keys(`${prefix}device:*`)).map((k) => k.split(':').pop() as string);

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await new DataSource(buildDataSourceOptions(database.url, { poolSize: 2 })).initialize();
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    subscriber = redis.duplicate();
    subscriber.on('message', (_channel: string, message: string) => announced.push(message));
    await subscriber.subscribe(credentialChannel(prefix));
    jobs = new JobProducer(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix);
    fake = await scriptedProvider();
    const providers = new ProviderRepository(ds);
    providerId = '6f1d3a52-0000-4000-8000-000000000001';
    await providers.create(
      {
        id: providerId,
        name: 'gh',
        kind: 'oauth2',
        clientId: 'device-client',
        clientSecretSealed: vault.seal('device-client-secret', providerSecretBinding(providerId)),
        settings: {
          token_endpoint: `${fake.base}/token`,
          device_authorization_endpoint: `${fake.base}/device`,
          device_code_enabled: true,
          oauth_enabled: false,
          scopes: [],
        },
      },
      { actor: 'test' },
    );
    const store = new DeviceAuthorizationStore(redis, prefix);
    const client = new TokenEndpointClient();
    start = new StartDeviceAuthorizationUseCase(providers, vault, client, store, jobs);
    poll = new PollDeviceAuthorizationUseCase(
      providers,
      new ConnectionRepository(ds),
      vault,
      client,
      store,
      new CredentialChangePublisher(redis, prefix),
    );
  });

  afterAll(async () => {
    await jobs.credentialsQueue.obliterate({ force: true });
    await jobs.close();
    await Promise.all([redis.quit(), subscriber.quit()]);
    await new Promise((resolve) => fake.server.close(resolve));
    await ds.destroy();
    await database.drop();
  });

  it('starts: returns what the user needs, keeps the device code sealed in Redis, queues a poll carrying an id only', async () => {
    const remedy = await start.execute('user-1', 'gh', ['repo']);
    expect(remedy).toEqual({
      user_code: 'WDJB-MJHT',
      verification_uri: 'https://example.com/device',
      verification_uri_complete: 'https://example.com/device?user_code=WDJB-MJHT',
      expires_in: 1800,
      interval: 5,
    });
    expect(fake.requests[0]).toMatchObject({ path: '/device', scope: 'repo' });
    expect(fake.requests[0].authorization).toMatch(/^Basic /);
    const keys = await redis.keys(`${prefix}device:*`);
    expect(keys).toHaveLength(1);
    expect(await redis.get(keys[0])).not.toContain('device-code-secret-1');
    const [job] = await jobs.credentialsQueue.getDelayed();
    expect(job.name).toBe('device-poll');
    expect(job.data).toEqual({ pendingId: keys[0].split(':').pop() });
    expect(job.id).toBe(`device-poll_${keys[0].split(':').pop()}`);
    expect(job.opts.delay).toBe(5000);
  });

  it('honours interval, adds 5 s on slow_down (kept for later polls), stores the connection sealed and tells the gateways the user changed', async () => {
    const pendingId = ((await redis.keys(`${prefix}device:*`))[0] as string)
      .split(':')
      .pop() as string;
    fake.token.push(
      { status: 400, body: { error: 'authorization_pending' } },
      { status: 400, body: { error: 'slow_down' } },
      { status: 400, body: { error: 'authorization_pending' } },
      {
        status: 200,
        body: {
          access_token: 'gho_access1',
          refresh_token: 'ghr_refresh1',
          token_type: 'bearer',
          expires_in: 28800,
          scope: 'repo',
        },
      },
    );
    expect(await poll.execute(pendingId)).toEqual({ state: 'pending', retryAfterMs: 5000 });
    // Polled again at once: the lease holds the provider back until `interval` has passed.
    const asked = fake.requests.length;
    expect(await poll.execute(pendingId)).toEqual({ state: 'pending', retryAfterMs: 5000 });
    expect(fake.requests.length).toBe(asked);
    await intervalPassed(pendingId);
    expect(await poll.execute(pendingId)).toEqual({ state: 'pending', retryAfterMs: 10_000 });
    await intervalPassed(pendingId);
    expect(await poll.execute(pendingId)).toEqual({ state: 'pending', retryAfterMs: 10_000 });
    await intervalPassed(pendingId);
    expect(announced).toEqual([]);
    const done = await poll.execute(pendingId);
    expect(done.state).toBe('connected');
    await within(1000, () => announced.length > 0);
    expect(announced).toEqual(['{"subject":"user-1"}']);
    const tokenRequest = fake.requests[fake.requests.length - 1];
    expect(tokenRequest).toMatchObject({
      path: '/token',
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: 'device-code-secret-1',
    });

    const connection = await new ConnectionRepository(ds).find('user-1', providerId);
    expect(connection).toMatchObject({ status: 'active', scopes: ['repo'], refreshGeneration: 0 });
    expect(connection?.accessTokenSealed).not.toContain('gho_access1');
    expect(
      vault.open(
        connection!.accessTokenSealed,
        connectionTokenBinding(connection!.id, providerId, 'access_token'),
      ),
    ).toBe('gho_access1');
    expect(await poll.execute(pendingId)).toMatchObject({ state: 'gone' });
  });

  it('shows the same code again while one is in flight instead of starting a new flow', async () => {
    const first = await start.execute('user-4', 'gh', ['repo']);
    const devicesAsked = fake.requests.filter((r) => r.path === '/device').length;
    const again = await start.execute('user-4', 'gh', ['repo']);
    expect(again.user_code).toBe(first.user_code);
    expect(fake.requests.filter((r) => r.path === '/device').length).toBe(devicesAsked);
    const pendingId = (await pendingIds())[0];
    fake.token.push({ status: 400, body: { error: 'access_denied' } });
    await poll.execute(pendingId);
  });

  it('understands errors sent with 200 (GitHub) and comma-separated scopes, and keeps tokens without expiry as non-expiring', async () => {
    await start.execute('user-5', 'gh', ['repo']);
    const pendingId = (await pendingIds())[0];
    fake.token.push(
      { status: 200, body: { error: 'slow_down' } },
      {
        status: 200,
        body: { access_token: 'gho_noexpiry', token_type: 'bearer', scope: 'repo,gist' },
      },
    );
    expect(await poll.execute(pendingId)).toEqual({ state: 'pending', retryAfterMs: 10_000 });
    await intervalPassed(pendingId);
    expect((await poll.execute(pendingId)).state).toBe('connected');
    const connection = await new ConnectionRepository(ds).find('user-5', providerId);
    expect(connection).toMatchObject({ scopes: ['repo', 'gist'], expiresAt: null });
  });

  it('stops on access_denied and on expired_token, forgetting the device code', async () => {
    for (const [error, state] of [
      ['access_denied', 'denied'],
      ['expired_token', 'expired'],
    ] as const) {
      await start.execute('user-2', 'gh', []);
      const keys = await redis.keys(`${prefix}device:*`);
      const pendingId = (keys[0] as string).split(':').pop() as string;
      fake.token.push({ status: 400, body: { error } });
      expect(await poll.execute(pendingId)).toMatchObject({ state });
      expect(await redis.keys(`${prefix}device:*`)).toHaveLength(0);
    }
  });

  it('stops by itself once the device code has expired, without asking the provider', async () => {
    await start.execute('user-3', 'gh', []);
    const pendingId = ((await redis.keys(`${prefix}device:*`))[0] as string)
      .split(':')
      .pop() as string;
    const before = fake.requests.length;
    expect(await poll.execute(pendingId, Date.now() + 1801 * 1000)).toMatchObject({
      state: 'expired',
    });
    expect(fake.requests.length).toBe(before);
  });
  it('RFC 8628 §3.2: refuses an answer whose verification_uri is not a web URL, and leaves out such a verification_uri_complete', async () => {
    const answer = {
      device_code: 'device-code-secret-2',
      user_code: 'ABCD-EFGH',
      expires_in: 600,
      interval: 5,
    };
    const before = (await redis.keys(`${prefix}device:*`)).length;
    fake.device.push({ status: 200, body: { ...answer, verification_uri: 'javascript:alert(1)' } });
    await expect(start.execute('user-junk', 'gh', [])).rejects.toMatchObject({
      code: 'bad_response',
    });
    fake.device.push({ status: 200, body: { ...answer, verification_uri: 'not a url' } });
    await expect(start.execute('user-junk', 'gh', [])).rejects.toMatchObject({
      code: 'bad_response',
    });
    fake.device.push({
      status: 200,
      body: { ...answer, user_code: 'line\nbreak', verification_uri: 'https://example.com/device' },
    });
    await expect(start.execute('user-junk', 'gh', [])).rejects.toMatchObject({
      code: 'bad_response',
    });
    expect((await redis.keys(`${prefix}device:*`)).length).toBe(before);
    fake.device.push({
      status: 200,
      body: {
        ...answer,
        verification_uri: 'https://example.com/device',
        verification_uri_complete: 'javascript:alert(1)',
      },
    });
    await expect(start.execute('user-junk-2', 'gh', [])).resolves.toEqual({
      user_code: 'ABCD-EFGH',
      verification_uri: 'https://example.com/device',
      expires_in: 600,
      interval: 5,
    });
  });
});
