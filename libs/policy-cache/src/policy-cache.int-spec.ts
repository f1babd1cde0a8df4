import 'reflect-metadata';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, PolicyRepository } from '@app/persistence';
import type { Policy } from '@app/policy-engine';
import { aPolicy, within } from '@app/testing';
import {
  createTestDatabase,
  testRedisPrefix,
  type TestDatabase,
} from '../../../test/support/test-database';
import { PolicyChangePublisher } from './policy-change.publisher';
import { PolicyCache, policyChannel, type PolicySetSource } from './policy-cache';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const policy = (name: string, pattern: string, priority: number) =>
  aPolicy(name, pattern, priority);

/** A source whose reads can be made to fail, standing in for a Postgres outage. */
class FlakySource implements PolicySetSource {
  down = false;
  constructor(private readonly inner: PolicySetSource) {}
  currentVersion(): Promise<number> {
    return this.down
      ? Promise.reject(new Error('connection refused'))
      : this.inner.currentVersion();
  }
  loadSet(): Promise<{ version: number; policies: Policy[] }> {
    return this.down ? Promise.reject(new Error('connection refused')) : this.inner.loadSet();
  }
}

describe('policy cache propagation (real Postgres and Redis)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: PolicyRepository;
  let publisherClient: Redis;
  let publisher: PolicyChangePublisher;
  const prefix = testRedisPrefix();
  const caches: PolicyCache[] = [];
  const clients: Redis[] = [];
  const ctx = { actor: 'test' };

  const newCache = async (pollIntervalMs: number, source: PolicySetSource = repository) => {
    const subscriber = new Redis(redisUrl, { enableReadyCheck: false });
    clients.push(subscriber);
    const cache = new PolicyCache(source, subscriber, {
      channel: policyChannel(prefix),
      pollIntervalMs,
      defaultDecision: 'deny',
    });
    caches.push(cache);
    await cache.start();
    return cache;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(
      buildDataSourceOptions(database.url, { poolSize: 4 }),
    ).initialize();
    repository = new PolicyRepository(dataSource);
    publisherClient = new Redis(redisUrl);
    publisher = new PolicyChangePublisher(publisherClient, policyChannel(prefix));
  });

  afterAll(async () => {
    await Promise.all(caches.map((c) => c.stop()));
    await Promise.all([...clients, publisherClient].map((c) => c.quit()));
    await dataSource.destroy();
    await database.drop();
  });

  it('fails closed before any set is loaded', () => {
    const cache = new PolicyCache(repository, new Redis(redisUrl, { lazyConnect: true }), {
      channel: policyChannel(prefix),
      pollIntervalMs: 60_000,
      defaultDecision: 'allow',
    });
    expect(cache.loaded).toBe(false);
    expect(cache.resolve('github.x')).toMatchObject({ decision: 'deny', policy: null });
  });

  it('two caches see a committed change within one second of its announcement', async () => {
    // Polling is set far beyond the deadline: only the Redis announcement can make it in time.
    const a = await newCache(60_000);
    const b = await newCache(60_000);
    const write = await repository.create(policy('gh', 'github.*', 10), ctx);
    await publisher.publish(write.version);
    await within(1000, () => a.version === write.version && b.version === write.version);
    expect(a.resolve('github.create_issue').policy?.name).toBe('gh');
    expect(b.resolve('github.create_issue').policy?.name).toBe('gh');
  });

  it('catches up by polling when the announcement is missed', async () => {
    const cache = await newCache(100);
    const write = await repository.create(policy('missed', 'missed.*', 11), ctx); // never announced
    await within(3000, () => cache.version === write.version);
    expect(cache.resolve('missed.tool').policy?.name).toBe('missed');
  });

  it('follows a version that goes down (database restored from a backup)', async () => {
    let state = { version: 5, policies: [policy('newer', 'newer.*', 1)] };
    const source: PolicySetSource = {
      currentVersion: () => Promise.resolve(state.version),
      loadSet: () => Promise.resolve(state),
    };
    const cache = await newCache(60_000, source);
    expect(cache.version).toBe(5);
    state = { version: 3, policies: [policy('older', 'older.*', 1)] };
    await cache.refresh();
    expect(cache.version).toBe(3);
    expect(cache.resolve('older.x').policy?.name).toBe('older');
    expect(cache.resolve('newer.x').policy).toBeNull();
  });

  it('does not reload after it was stopped', async () => {
    let loads = 0;
    const source: PolicySetSource = {
      currentVersion: () => Promise.resolve(loads + 1),
      loadSet: () => {
        loads += 1;
        return Promise.resolve({ version: loads, policies: [] });
      },
    };
    const cache = await newCache(60_000, source);
    await cache.stop();
    const before = loads;
    await cache.refresh();
    expect(loads).toBe(before);
  });

  it('keeps serving the last good set while the database is unreachable, then recovers', async () => {
    const source = new FlakySource(repository);
    const cache = await newCache(100, source);
    const loadedVersion = cache.version;
    expect(cache.resolve('github.x').policy?.name).toBe('gh');

    source.down = true;
    const write = await repository.create(policy('later', 'later.*', 12), ctx);
    await publisher.publish(write.version);
    await within(2000, () => cache.error !== null);
    expect(cache.version).toBe(loadedVersion);
    expect(cache.resolve('github.x').policy?.name).toBe('gh');

    source.down = false;
    await within(3000, () => cache.version === write.version);
    expect(cache.resolve('later.x').policy?.name).toBe('later');
    expect(cache.error).toBeNull();
  });
});
