import Redis from 'ioredis';
import pino from 'pino';
import type { GatewayConfig } from '@app/config';
import { testRedisPrefix } from '../../../../test/support/test-database';
import { SessionStore } from './session.store';

/**
 * DESIGN "Data ownership" (MCP session state in Redis) and issue 9 §3: a binding lives
 * GATEWAY_SESSION_IDLE_TTL_S after its last use, on whichever replica used it.
 */
describe('SessionStore (Redis)', () => {
  const TTL = 600;
  let redis: Redis;
  let prefix: string;
  const replica = (): SessionStore =>
    new SessionStore(
      redis,
      { url: process.env.REDIS_URL!, keyPrefix: prefix },
      { GATEWAY_SESSION_IDLE_TTL_S: TTL } as GatewayConfig,
      pino({ level: 'silent' }),
    );
  const keyOf = async (): Promise<string> => {
    const keys = await redis.keys(`${prefix}mcp-session:*`);
    expect(keys).toHaveLength(1);
    return keys[0]!;
  };
  const binding = { principal: 'broker:alice', upstream: 'fixture', urlElicitation: false };

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

  it('stores the binding under the SHA-256 of the id (Redis holds no usable session id), with the idle TTL', async () => {
    await replica().bind('session-id-123', binding);
    const key = await keyOf();
    expect(key).not.toContain('session-id-123');
    expect(await redis.ttl(key)).toBeGreaterThan(TTL - 5);
  });

  it('another replica finds a session the first one bound, on its route only', async () => {
    await replica().bind('s1', binding);
    const other = replica();
    expect(await other.find('fixture', 's1')).toEqual(binding);
    expect(await other.find('another', 's1')).toBeUndefined();
    expect(await other.find('fixture', 's2')).toBeUndefined();
  });

  it('a use pushes the expiry back (the TTL is idle time), at most once a minute per replica', async () => {
    const first = replica();
    await first.bind('s1', binding);
    const key = await keyOf();
    await redis.expire(key, 30);
    // The replica that just bound it extended it already: a use within the minute sends no EXPIRE.
    await first.find('fixture', 's1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await redis.ttl(key)).toBeLessThanOrEqual(30);
    // A replica that has not extended it yet does, on its first use.
    const second = replica();
    await second.find('fixture', 's1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await redis.ttl(key)).toBeGreaterThan(TTL - 5);
    await redis.expire(key, 30);
    await second.find('fixture', 's1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await redis.ttl(key)).toBeLessThanOrEqual(30);
  });

  it('forget deletes the binding for every replica', async () => {
    const first = replica();
    await first.bind('s1', binding);
    await first.forget('fixture', 's1');
    expect(await redis.keys(`${prefix}mcp-session:*`)).toEqual([]);
    expect(await first.find('fixture', 's1')).toBeUndefined();
    expect(await replica().find('fixture', 's1')).toBeUndefined();
  });
});
