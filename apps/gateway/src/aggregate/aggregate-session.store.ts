import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { sha256Hex } from '@app/crypto';
import { AGGREGATE_UPSTREAM_FIELD, gatewaySessionKeyPrefixes } from '@app/gateway-contract';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';

/** One upstream session the aggregate opened for a client session. */
export interface UpstreamSessionRef {
  /** The upstream's `MCP-Session-Id` (absent when the upstream runs without sessions). */
  id?: string;
  /** The protocol version the upstream negotiated. */
  version: string;
}

/** A legacy client's session on `/mcp`, as every replica reads it from Redis. */
export interface AggregateSession {
  /** The gateway's own session id (random, ≥ 16 bytes); only its SHA-256 is stored. */
  id: string;
  /** SPEC-MUST 9: the principal that initialized it; only they may use it. */
  principal: string;
  /** The user the broker knows (its connections): what the workers' session recovery reads. */
  subject?: string;
  /** The version the gateway negotiated with the client. */
  version: string;
  /** What the client declared at initialize: upstream sessions are opened with the same. */
  capabilities: Record<string, unknown>;
  clientInfo: Record<string, unknown>;
  upstreams: Record<string, UpstreamSessionRef>;
}

const TOUCH_EVERY_MS = 60_000;
/**
 * KEYS[1] session hash; ARGV: field, the new ref, the ref it replaces ('' for a first open), the
 * idle TTL. A session that expired between its read and this claim would be re-created by HSET
 * without a TTL and never leave Redis: the TTL is set again whenever the key has none.
 */
const CLAIM_SCRIPT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (not current) or current == ARGV[3] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  if redis.call('TTL', KEYS[1]) < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[4])
  end
  return ARGV[2]
end
return current
`;
const UPSTREAM_FIELD = AGGREGATE_UPSTREAM_FIELD;

/**
 * Issue 9 §3: aggregate sessions live in a Redis hash keyed by the SHA-256 of the gateway session
 * id (a read of Redis yields no usable id): principal, negotiated version, the client's
 * capabilities and clientInfo, and one field per upstream session (HSET, so two replicas opening
 * sessions to two upstreams at once do not overwrite each other). The TTL is refreshed on use, at
 * most once a minute per session and replica.
 */
@Injectable()
export class AggregateSessionStore {
  private readonly prefix: string;
  private readonly touched = new Map<string, number>();

  private readonly ttlSeconds: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
    @Inject(APP_CONFIG) config: GatewayConfig,
  ) {
    this.prefix = gatewaySessionKeyPrefixes(options.keyPrefix).aggregate;
    this.ttlSeconds = config.GATEWAY_SESSION_IDLE_TTL_S;
  }

  async create(fields: Omit<AggregateSession, 'id' | 'upstreams'>): Promise<AggregateSession> {
    const id = randomBytes(24).toString('base64url');
    const key = this.key(id);
    await this.redis
      .multi()
      .hset(key, {
        principal: fields.principal,
        ...(fields.subject === undefined ? {} : { subject: fields.subject }),
        version: fields.version,
        capabilities: JSON.stringify(fields.capabilities),
        clientInfo: JSON.stringify(fields.clientInfo),
      })
      .expire(key, this.ttlSeconds)
      .exec();
    this.touched.set(key, Date.now());
    return { ...fields, id, upstreams: {} };
  }

  async find(id: string): Promise<AggregateSession | undefined> {
    const key = this.key(id);
    const hash = await this.redis.hgetall(key);
    if (hash.principal === undefined || hash.version === undefined) {
      return undefined;
    }
    await this.touch(key);
    const upstreams: Record<string, UpstreamSessionRef> = {};
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith(UPSTREAM_FIELD)) {
        upstreams[field.slice(UPSTREAM_FIELD.length)] = JSON.parse(value) as UpstreamSessionRef;
      }
    }
    return {
      id,
      principal: hash.principal,
      ...(hash.subject === undefined ? {} : { subject: hash.subject }),
      version: hash.version,
      capabilities: JSON.parse(hash.capabilities ?? '{}') as Record<string, unknown>,
      clientInfo: JSON.parse(hash.clientInfo ?? '{}') as Record<string, unknown>,
      upstreams,
    };
  }

  /**
   * Records the upstream session just opened for this aggregate session, unless another request
   * (on this replica or another) recorded one first: then that one wins and is returned, and the
   * caller ends its own. `replacing` is the session the upstream said it lost (404): the new one
   * replaces it only if it is still the one recorded. One compare-and-set in Redis (a script), so
   * two concurrent first requests never leave the client with two upstream sessions.
   */
  async claimUpstream(
    session: AggregateSession,
    upstream: string,
    ref: UpstreamSessionRef,
    replacing?: UpstreamSessionRef,
  ): Promise<UpstreamSessionRef> {
    const stored = (await this.redis.eval(
      CLAIM_SCRIPT,
      1,
      this.key(session.id),
      `${UPSTREAM_FIELD}${upstream}`,
      JSON.stringify(ref),
      replacing === undefined ? '' : JSON.stringify(replacing),
      this.ttlSeconds,
    )) as string;
    const winner = JSON.parse(stored) as UpstreamSessionRef;
    session.upstreams[upstream] = winner;
    return winner;
  }

  async forget(session: AggregateSession): Promise<void> {
    const key = this.key(session.id);
    this.touched.delete(key);
    await this.redis.del(key);
  }

  private async touch(key: string): Promise<void> {
    const now = Date.now();
    if (now - (this.touched.get(key) ?? 0) < TOUCH_EVERY_MS) {
      return;
    }
    this.touched.set(key, now);
    if (this.touched.size > 50_000) {
      this.touched.clear();
    }
    await this.redis.expire(key, this.ttlSeconds);
  }

  private key(id: string): string {
    return `${this.prefix}${sha256Hex(id)}`;
  }
}
