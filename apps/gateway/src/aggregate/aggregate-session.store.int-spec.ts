import Redis from 'ioredis';
import type { GatewayConfig } from '@app/config';
import { testRedisPrefix } from '../../../../test/support/test-database';
import { AggregateSessionStore } from './aggregate-session.store';

/** Issue 9 §3: aggregate sessions in Redis, shared by every replica (two stores = two replicas). */
describe('AggregateSessionStore (Redis)', () => {
  let redis: Redis;
  let prefix: string;
  const replica = () =>
    new AggregateSessionStore(redis, { url: process.env.REDIS_URL!, keyPrefix: prefix }, {
      GATEWAY_SESSION_IDLE_TTL_S: 600,
    } as GatewayConfig);
  const fields = {
    principal: 'broker:alice',
    version: '2025-11-25',
    capabilities: { roots: {} },
    clientInfo: { name: 'c', version: '1' },
  };

  beforeEach(() => {
    redis = new Redis(process.env.REDIS_URL!);
    prefix = testRedisPrefix();
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    redis.disconnect();
  });

  it('another replica finds the session; the id itself is not in Redis; the idle TTL is set', async () => {
    const session = await replica().create(fields);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(session.id);
    expect(await redis.ttl(keys[0]!)).toBeGreaterThan(590);
    expect(await replica().find(session.id)).toMatchObject({ ...fields, upstreams: {} });
  });

  it('two replicas opening the same upstream session at once: the first recorded wins for both', async () => {
    const a = replica();
    const b = replica();
    const session = await a.create(fields);
    const seenByB = (await b.find(session.id))!;
    const first = await a.claimUpstream(session, 'gh', { id: 'one', version: '2025-11-25' });
    const second = await b.claimUpstream(seenByB, 'gh', { id: 'two', version: '2025-11-25' });
    expect(first.id).toBe('one');
    expect(second.id).toBe('one');
    expect(seenByB.upstreams.gh?.id).toBe('one');
    expect((await replica().find(session.id))!.upstreams.gh?.id).toBe('one');
  });

  it('re-opening a lost upstream session replaces it once: a replica replacing a stale one it read late gets the fresh one', async () => {
    const a = replica();
    const session = await a.create(fields);
    const lost = await a.claimUpstream(session, 'gh', { id: 'one', version: '2025-11-25' });
    const fresh = await a.claimUpstream(session, 'gh', { id: 'two', version: '2025-11-25' }, lost);
    expect(fresh.id).toBe('two');
    const late = await replica().claimUpstream(
      session,
      'gh',
      { id: 'three', version: '2025-11-25' },
      lost,
    );
    expect(late.id).toBe('two');
  });

  it('a claim on a session that expired meanwhile leaves no key without a TTL (issue 10 §1: Redis state expires)', async () => {
    const a = replica();
    const session = await a.create(fields);
    const [key] = await redis.keys(`${prefix}*`);
    await redis.del(key!);
    await a.claimUpstream(session, 'gh', { id: 'one', version: '2025-11-25' });
    expect(await redis.ttl(key!)).toBeGreaterThan(590);
    expect(await replica().find(session.id)).toBeUndefined();
  });
});
