import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { AGGREGATE_UPSTREAM_FIELD, gatewaySessionKeyPrefixes } from '@app/gateway-contract';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';
import { escapeGlob } from './live-session.scanner';

const SCAN_COUNT = 1000;

/**
 * KEYS[1] an aggregate session hash; ARGV[1] its `u:<upstream>` field. Drops the field when it
 * names an upstream session (`id`); a ref without one (a sessionless upstream) never meets a 404
 * and stays. One script per key, so a session that expired meanwhile is not re-created.
 */
const DROP_SCRIPT = `
local ref = redis.call('HGET', KEYS[1], ARGV[1])
if not ref then
  return 0
end
local ok, decoded = pcall(cjson.decode, ref)
if ok and type(decoded) == 'table' and decoded.id then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
return 0
`;

/**
 * The upstream sessions the gateway opened for aggregate clients (`u:<upstream>` in each aggregate
 * session, gatewaySessionKeyPrefixes) die with their upstream's restart. Dropping them makes the
 * gateway's next call initialize a new one at once (a missing field is a first open in
 * upstream-caller.ts) instead of meeting a 404 first. A session the gateway re-opened between the
 * restart and this run is dropped too: it costs that client one more initialize, and the upstream
 * ends the orphan on its own idle timeout. Relay bindings (`/mcp/<upstream>`) are left: the client
 * holds that session id itself, and only its own re-initialize (after the upstream's 404) helps.
 */
@Injectable()
export class StaleUpstreamSessions {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
  ) {
    this.prefix = gatewaySessionKeyPrefixes(options.keyPrefix).aggregate;
  }

  /** Drops every aggregate session's upstream session to `upstream`; returns how many. */
  async drop(upstream: string): Promise<number> {
    const field = `${AGGREGATE_UPSTREAM_FIELD}${upstream}`;
    let dropped = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(
        cursor,
        'MATCH',
        `${escapeGlob(this.prefix)}*`,
        'COUNT',
        SCAN_COUNT,
      );
      cursor = next;
      if (keys.length === 0) {
        continue;
      }
      const pipeline = this.redis.pipeline();
      for (const key of keys) {
        pipeline.eval(DROP_SCRIPT, 1, key, field);
      }
      for (const [error, result] of (await pipeline.exec()) ?? []) {
        if (error !== null) {
          throw error;
        }
        dropped += result === 1 ? 1 : 0;
      }
    } while (cursor !== '0');
    return dropped;
  }
}
