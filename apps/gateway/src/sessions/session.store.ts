import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { sha256Hex } from '@app/crypto';
import { gatewaySessionKeyPrefixes } from '@app/gateway-contract';
import { LOGGER } from '@app/observability';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';
import { BoundedCache } from '../auth/bounded-cache';

/** What the gateway remembers of a legacy (2025-era) MCP session it relayed. */
export interface SessionBinding {
  /** The principal that initialized it: only they may use it (SPEC-MUST 9). */
  principal: string;
  /** The user the broker knows (its connections): what the workers' session recovery reads. */
  subject?: string;
  /** The upstream route it belongs to: one upstream session (SPEC-MUST 17). */
  upstream: string;
  /** The client declared `elicitation.url` at initialize: auth-required answers use −32042. */
  urlElicitation: boolean;
}

const LOCAL_TTL_MS = 30_000;
/** A used session's Redis expiry is pushed back at most this often per replica (one EXPIRE). */
const EXTEND_EVERY_MS = 60_000;

/**
 * Session bindings in Redis, keyed by the SHA-256 of the session id (a read of Redis yields no
 * usable id), so every gateway replica and a restarted one know them (DESIGN "Data ownership":
 * MCP session state in Redis). A binding lives GATEWAY_SESSION_IDLE_TTL_S after its last use: a
 * replica that serves it pushes the expiry back, at most once a minute. Bindings never change once
 * written, so each replica keeps the ones it used recently in memory for 30 s — which also means a
 * session another replica deleted can still pass here for up to 30 s; the upstream, whose session
 * it is, answers 404 for it then.
 */
@Injectable()
export class SessionStore {
  private readonly local = new BoundedCache<SessionBinding>(10_000);
  private readonly extended = new BoundedCache<true>(10_000);
  private readonly prefix: string;
  private readonly ttlSeconds: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
    @Inject(APP_CONFIG) config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.prefix = gatewaySessionKeyPrefixes(options.keyPrefix).relay;
    this.ttlSeconds = config.GATEWAY_SESSION_IDLE_TTL_S;
  }

  async bind(sessionId: string, binding: SessionBinding): Promise<void> {
    const key = this.key(binding.upstream, sessionId);
    await this.redis.set(key, JSON.stringify(binding), 'EX', this.ttlSeconds);
    const now = Date.now();
    this.local.set(key, binding, now + LOCAL_TTL_MS);
    this.extended.set(key, true, now + EXTEND_EVERY_MS);
  }

  async find(upstream: string, sessionId: string): Promise<SessionBinding | undefined> {
    const key = this.key(upstream, sessionId);
    const cached = this.local.get(key);
    if (cached !== undefined) {
      this.extend(key);
      return cached;
    }
    const raw = await this.redis.get(key);
    if (raw === null) {
      return undefined;
    }
    const binding = JSON.parse(raw) as SessionBinding;
    this.local.set(key, binding, Date.now() + LOCAL_TTL_MS);
    this.extend(key);
    return binding;
  }

  /**
   * Pushes the binding's expiry back (the session is in use), without making the request wait:
   * a failed EXPIRE only shortens the session's idle life, which a warning is enough for.
   */
  private extend(key: string): void {
    const now = Date.now();
    if (this.extended.get(key, now) !== undefined) {
      return;
    }
    this.extended.set(key, true, now + EXTEND_EVERY_MS);
    this.redis.expire(key, this.ttlSeconds).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not extend an MCP session binding in Redis');
    });
  }

  async forget(upstream: string, sessionId: string): Promise<void> {
    const key = this.key(upstream, sessionId);
    this.local.delete(key);
    this.extended.delete(key);
    await this.redis.del(key);
  }

  private key(upstream: string, sessionId: string): string {
    return `${this.prefix}${upstream}:${sha256Hex(sessionId)}`;
  }
}
