import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { sha256Hex } from '@app/crypto';
import { SingleUseStore } from './single-use.store';

describe('SingleUseStore (real Redis)', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `${process.env.REDIS_KEY_PREFIX ?? 'mcpgw-test:'}single-use-${randomBytes(3).toString('hex')}:`;

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await redis.quit();
  });

  it('gives a value to exactly one of two concurrent takers', async () => {
    const store = new SingleUseStore<{ user: string }>(redis, {
      keyPrefix: prefix,
      ttlSeconds: 60,
    });
    await store.put('a', { user: 'alice' });
    const results = await Promise.all([store.take('a'), store.take('a')]);
    expect(results.filter((r) => r !== null)).toEqual([{ user: 'alice' }]);
    expect(await store.peek('a')).toBeNull();
  });

  it('peek does not use the entry up; delete reports who removed it', async () => {
    const store = new SingleUseStore<string>(redis, { keyPrefix: prefix, ttlSeconds: 60 });
    await store.put('b', 'x');
    expect(await store.peek('b')).toBe('x');
    expect(await store.delete('b')).toBe(true);
    expect(await store.delete('b')).toBe(false);
  });

  it('writes with the TTL and, with hashIds, never stores the id itself', async () => {
    const store = new SingleUseStore<string>(redis, {
      keyPrefix: prefix,
      ttlSeconds: 42,
      hashIds: true,
    });
    await store.put('secret-state', 'v');
    expect(await redis.exists(`${prefix}secret-state`)).toBe(0);
    const ttl = await redis.ttl(`${prefix}${sha256Hex('secret-state')}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(42);
  });

  it('putIfAbsent writes for one caller only; replace never brings back a taken entry', async () => {
    const store = new SingleUseStore<string>(redis, { keyPrefix: prefix, ttlSeconds: 60 });
    const claims = await Promise.all([
      store.putIfAbsent('e', 'first'),
      store.putIfAbsent('e', 'second'),
    ]);
    expect(claims.sort()).toEqual([false, true]);
    expect(await store.replace('e', 'updated', 30)).toBe(true);
    expect(await store.peek('e')).toBe('updated');
    expect(await redis.ttl(`${prefix}e`)).toBeLessThanOrEqual(30);
    expect(await store.take('e')).toBe('updated');
    expect(await store.replace('e', 'late')).toBe(false);
    expect(await store.peek('e')).toBeNull();
  });

  it('returns null when the codec cannot read the stored text back', async () => {
    const store = new SingleUseStore<string>(redis, {
      keyPrefix: prefix,
      ttlSeconds: 60,
      codec: {
        encode: (v) => `ok:${v}`,
        decode: (raw) => (raw.startsWith('ok:') ? raw.slice(3) : null),
      },
    });
    await redis.set(`${prefix}c`, 'tampered', 'EX', 60);
    expect(await store.take('c')).toBeNull();
    await store.put('d', 'fine');
    expect(await store.take('d')).toBe('fine');
  });

  it('refuses a TTL that is not a positive integer at construction', () => {
    expect(() => new SingleUseStore(redis, { keyPrefix: prefix, ttlSeconds: 0 })).toThrow(
      TypeError,
    );
  });
});
