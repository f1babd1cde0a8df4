import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { sha256Hex } from '@app/crypto';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';
import { BoundedCache } from '../auth/bounded-cache';

/** What the gateway remembers of a legacy (2025-era) MCP session it relayed. */
export interface SessionBinding {
  /** The principal that initialized it: only they may use it (SPEC-MUST 9). */
  principal: string;
  /** The upstream route it belongs to: one upstream session (SPEC-MUST 17). */
  upstream: string;
  /** The client declared `elicitation.url` at initialize: auth-required answers use −32042. */
  urlElicitation: boolean;
}

const TTL_SECONDS = 24 * 3600;
const LOCAL_TTL_MS = 30_000;

/**
 * Session bindings in Redis, keyed by the SHA-256 of the session id (a read of Redis yields no
 * usable id), so every gateway replica and a restarted one know them. Bindings never change once
 * written, so each replica keeps the ones it used recently in memory for 30 s.
 */
@Injectable()
export class SessionStore {
  private readonly local = new BoundedCache<SessionBinding>(10_000);
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
  ) {
    this.prefix = `${options.keyPrefix}mcp-session:`;
  }

  async bind(sessionId: string, binding: SessionBinding): Promise<void> {
    const key = this.key(binding.upstream, sessionId);
    await this.redis.set(key, JSON.stringify(binding), 'EX', TTL_SECONDS);
    this.local.set(key, binding, Date.now() + LOCAL_TTL_MS);
  }

  async find(upstream: string, sessionId: string): Promise<SessionBinding | undefined> {
    const key = this.key(upstream, sessionId);
    const cached = this.local.get(key);
    if (cached !== undefined) {
      return cached;
    }
    const raw = await this.redis.get(key);
    if (raw === null) {
      return undefined;
    }
    const binding = JSON.parse(raw) as SessionBinding;
    this.local.set(key, binding, Date.now() + LOCAL_TTL_MS);
    return binding;
  }

  async forget(upstream: string, sessionId: string): Promise<void> {
    const key = this.key(upstream, sessionId);
    this.local.delete(key);
    await this.redis.del(key);
  }

  private key(upstream: string, sessionId: string): string {
    return `${this.prefix}${upstream}:${sha256Hex(sessionId)}`;
  }
}
