import 'reflect-metadata';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, type UpstreamEntity, UpstreamRepository } from '@app/persistence';
import { within } from '@app/testing';
import {
  createTestDatabase,
  testRedisPrefix,
  type TestDatabase,
} from '../../../test/support/test-database';
import { UpstreamCache, upstreamChannel, type UpstreamSetSource } from './upstream-cache';
import { UpstreamChangePublisher } from './upstream-change.publisher';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ctx = { actor: 'test' };

const upstream = (name: string, extra: Partial<UpstreamEntity> = {}) => ({
  name,
  url: `http://127.0.0.1:9/${name}`,
  credentialInjection: { type: 'authorization' as const },
  connectTimeoutMs: 1000,
  requestTimeoutMs: 5000,
  enabled: true,
  description: 'not in the view',
  ...extra,
});

/** A source whose reads can be made to fail, standing in for a Postgres outage. */
class FlakySource implements UpstreamSetSource {
  down = false;
  constructor(private readonly inner: UpstreamSetSource) {}
  currentVersion(): Promise<number> {
    return this.down
      ? Promise.reject(new Error('connection refused'))
      : this.inner.currentVersion();
  }
  loadSet(): ReturnType<UpstreamSetSource['loadSet']> {
    return this.down ? Promise.reject(new Error('connection refused')) : this.inner.loadSet();
  }
}

describe('upstream cache propagation (real Postgres and Redis)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: UpstreamRepository;
  let publisherClient: Redis;
  let publisher: UpstreamChangePublisher;
  const prefix = testRedisPrefix();
  const caches: UpstreamCache[] = [];
  const clients: Redis[] = [];

  const newCache = async (pollIntervalMs: number, source: UpstreamSetSource = repository) => {
    const subscriber = new Redis(redisUrl, { enableReadyCheck: false });
    clients.push(subscriber);
    const cache = new UpstreamCache(source, subscriber, {
      channel: upstreamChannel(prefix),
      pollIntervalMs,
    });
    caches.push(cache);
    await cache.start();
    return cache;
  };

  /** What the admin path does after a commit. */
  const announce = async () => {
    const version = await repository.currentVersion();
    await publisher.publish(version);
    return version;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(
      buildDataSourceOptions(database.url, { poolSize: 4 }),
    ).initialize();
    repository = new UpstreamRepository(dataSource);
    publisherClient = new Redis(redisUrl);
    publisher = new UpstreamChangePublisher(publisherClient, upstreamChannel(prefix));
  });

  afterAll(async () => {
    await Promise.all(caches.map((c) => c.stop()));
    await Promise.all([...clients, publisherClient].map((c) => c.quit()));
    await dataSource.destroy();
    await database.drop();
  });

  it('knows no upstream before a set is loaded', () => {
    const cache = new UpstreamCache(repository, new Redis(redisUrl, { lazyConnect: true }), {
      channel: upstreamChannel(prefix),
      pollIntervalMs: 60_000,
    });
    expect(cache.loaded).toBe(false);
    expect(cache.version).toBe(-1);
    expect(cache.list()).toEqual([]);
  });

  it('bumps the version on every committed change, and not on a no-op update', async () => {
    const start = await repository.currentVersion();
    const row = await repository.create(upstream('versioned'), ctx);
    expect(await repository.currentVersion()).toBe(start + 1);
    await repository.update(row.id, undefined, () => ({ url: row.url }), ctx);
    expect(await repository.currentVersion()).toBe(start + 1);
    await repository.update(row.id, undefined, () => ({ enabled: false }), ctx);
    expect(await repository.currentVersion()).toBe(start + 2);
    await repository.delete(row.id, undefined, ctx);
    expect(await repository.currentVersion()).toBe(start + 3);
    const { version, upstreams } = await repository.loadSet();
    expect(version).toBe(start + 3);
    expect(upstreams.map((u) => u.name)).not.toContain('versioned');
  });

  it('two caches see a committed change within one second of its announcement', async () => {
    // Polling is set far beyond the deadline: only the Redis announcement can make it in time.
    const a = await newCache(60_000);
    const b = await newCache(60_000);
    await repository.create(
      upstream('github', { credentialInjection: { type: 'header', name: 'X-Api-Key' } }),
      ctx,
    );
    const version = await announce();
    await within(1000, () => a.version === version && b.version === version);
    expect(b.get('github')).toEqual({
      name: 'github',
      url: 'http://127.0.0.1:9/github',
      credentialInjection: { type: 'header', name: 'X-Api-Key' },
      connectTimeoutMs: 1000,
      requestTimeoutMs: 5000,
      enabled: true,
    });
    expect(a.list().map((u) => u.name)).toEqual(['github']);
  });

  it('serves frozen views, disabled upstreams included, and forgets a deleted one', async () => {
    const cache = await newCache(60_000);
    const row = await repository.create(upstream('quiet', { enabled: false }), ctx);
    await cache.ensureVersion(await announce());
    const view = cache.get('quiet');
    expect(view?.enabled).toBe(false);
    expect(Object.isFrozen(view)).toBe(true);
    expect(Object.isFrozen(view?.credentialInjection)).toBe(true);
    expect(Object.isFrozen(cache.list())).toBe(true);

    await repository.delete(row.id, undefined, ctx);
    const version = await announce();
    await within(1000, () => cache.version === version);
    expect(cache.get('quiet')).toBeUndefined();
  });

  it('catches up by polling when the announcement is missed', async () => {
    const cache = await newCache(100);
    await repository.create(upstream('missed'), ctx); // never announced
    const version = await repository.currentVersion();
    await within(3000, () => cache.version === version);
    expect(cache.get('missed')?.name).toBe('missed');
  });

  it('keeps serving the last good set while the database is unreachable, then recovers', async () => {
    const source = new FlakySource(repository);
    const cache = await newCache(100, source);
    const loadedVersion = cache.version;
    expect(cache.get('github')?.name).toBe('github');

    source.down = true;
    await repository.create(upstream('later'), ctx);
    const version = await announce();
    await within(2000, () => cache.error !== null);
    expect(cache.version).toBe(loadedVersion);
    expect(cache.get('github')?.name).toBe('github');
    expect(cache.get('later')).toBeUndefined();

    source.down = false;
    await within(3000, () => cache.version === version);
    expect(cache.get('later')?.name).toBe('later');
    expect(cache.error).toBeNull();
  });
});
