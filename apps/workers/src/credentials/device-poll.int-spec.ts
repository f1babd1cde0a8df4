import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { loadConfig, workersSchema } from '@app/config';
import { KeyRing, Vault } from '@app/crypto';
import { JobProducer } from '@app/jobs';
import { createHttpApp, MetricsService } from '@app/observability';
import { buildDataSourceOptions, ConnectionRepository, ProviderRepository } from '@app/persistence';
import {
  DeviceAuthorizationStore,
  StartDeviceAuthorizationUseCase,
  TokenEndpointClient,
} from '@app/provider-flows';
import { within } from '@app/testing';
import { providerSecretBinding } from '@app/vault';
import {
  createTestDatabase,
  testRedisPrefix,
  type TestDatabase,
} from '../../../../test/support/test-database';
import { WorkersModule } from '../workers.module';

describe('workers: device-code polling on BullMQ (real Postgres, Redis)', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let redis: Redis;
  let jobs: JobProducer;
  let app: NestFastifyApplication;
  let provider: Server;
  const tokenAnswers: { status: number; body: object }[] = [];
  const prefix = testRedisPrefix();
  const vaultKeys = KeyRing.generateSpec('k1');
  const vault = new Vault(KeyRing.parse(vaultKeys));
  const providerId = '6f1d3a52-0000-4000-8000-0000000000aa';

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await new DataSource(buildDataSourceOptions(database.url, { poolSize: 2 })).initialize();
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    jobs = new JobProducer(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix);
    provider = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const answer =
          req.url === '/device'
            ? {
                status: 200,
                body: {
                  device_code: 'dc',
                  user_code: 'ABCD-EFGH',
                  verification_uri: 'https://x.example/device',
                  expires_in: 600,
                  interval: 1,
                },
              }
            : (tokenAnswers.shift() ?? { status: 400, body: { error: 'authorization_pending' } });
        res
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    await new ProviderRepository(ds).create(
      {
        id: providerId,
        name: 'gh',
        kind: 'oauth2',
        clientId: 'c',
        clientSecretSealed: vault.seal('s', providerSecretBinding(providerId)),
        settings: {
          token_endpoint: `${base}/token`,
          device_authorization_endpoint: `${base}/device`,
          device_code_enabled: true,
        },
      },
      { actor: 'test' },
    );
    const config = loadConfig(workersSchema, {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      VAULT_KEYS: vaultKeys,
      LOG_LEVEL: 'silent',
    });
    const logger = pino({ level: 'silent' });
    const metrics = new MetricsService('test');
    app = await createHttpApp(WorkersModule.forRoot(config, logger, metrics), { logger, metrics });
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    await jobs.credentialsQueue.obliterate({ force: true });
    await jobs.close();
    await redis.quit();
    await new Promise((resolve) => provider.close(resolve));
    await ds.destroy();
    await database.drop();
  });

  it('polls a started device authorization until the user approves, then the connection exists', async () => {
    tokenAnswers.push(
      { status: 400, body: { error: 'authorization_pending' } },
      {
        status: 200,
        body: { access_token: 'gho_from_worker', token_type: 'bearer', scope: 'repo' },
      },
    );
    const start = new StartDeviceAuthorizationUseCase(
      new ProviderRepository(ds),
      vault,
      new TokenEndpointClient(),
      new DeviceAuthorizationStore(redis, prefix),
      jobs,
    );
    await start.execute('carol', 'gh', ['repo']);
    const connections = new ConnectionRepository(ds);
    let found = false;
    // Two polls one interval (1 s) apart: a deadline well beyond that.
    const poller = setInterval(() => {
      void connections.find('carol', providerId).then((c) => {
        found = c !== null;
      });
    }, 100);
    try {
      await within(15_000, () => found);
    } finally {
      clearInterval(poller);
    }
    const connection = await connections.find('carol', providerId);
    expect(connection).toMatchObject({ status: 'active', scopes: ['repo'], expiresAt: null });
    expect(tokenAnswers).toHaveLength(0);
  });
});
