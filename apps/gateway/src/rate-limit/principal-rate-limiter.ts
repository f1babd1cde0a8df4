import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import {
  APP_CONFIG,
  type GatewayConfig,
  type RateLimitConfig,
  type RateLimitRule,
} from '@app/config';
import { LOGGER } from '@app/observability';
import { REDIS } from '@app/redis';
import { GatewayMetrics } from '../metrics/gateway-metrics';

export type RateLimitVerdict =
  { limited: false } | { limited: true; retryAfterSeconds: number; rule: RateLimitRule };

const NOT_LIMITED: RateLimitVerdict = { limited: false };
/** Where a check puts its key for the library's key generator (read synchronously, see `check`). */
const KEY = Symbol('mcpgw.rateLimitKey');
type KeyedRequest = FastifyRequest & { [KEY]?: string };
type Limit = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * Per-principal, per-upstream rate limits (issue 9 §5), counted in Redis so every gateway
 * instance shares them: `@fastify/rate-limit`'s Redis store (one Lua INCR + PEXPIRE per check, a
 * fixed window), called through its `createRateLimit()` with our own key. The key is
 * `<upstream>:<SHA-256 of the principal>`: never a token, a key or a user id in Redis.
 *
 * Redis unavailable → fail open: the limit protects upstreams from a noisy caller; it is not
 * access control (authentication and policies are, and they do not depend on it). Each such
 * check is counted (`gateway_rate_limit_errors_total`) and logged once per outage. The aggregate
 * route calls `check` per upstream too.
 */
@Injectable()
export class PrincipalRateLimiter {
  private readonly config: RateLimitConfig;
  private readonly nameSpace: string;
  private limit: Limit | undefined;
  private failing = false;

  constructor(
    @Inject(APP_CONFIG) config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {
    this.config = config.GATEWAY_RATE_LIMIT;
    this.nameSpace = `${config.REDIS_KEY_PREFIX}rate-limit:mcp:`;
  }

  /** Registers the library in a scope of its own (no route of ours gets its hooks). */
  async install(fastify: FastifyInstance): Promise<void> {
    if (!this.config.enabled) {
      return;
    }
    await fastify.register(async (scope) => {
      await scope.register(rateLimit, {
        global: false,
        redis: this.redis,
        nameSpace: this.nameSpace,
        // Errors come to `check`, which fails open and counts them.
        skipOnError: false,
        keyGenerator: (request) => (request as KeyedRequest)[KEY]!,
        max: (_request, key) => this.rule(key).max,
        timeWindow: (_request, key) => this.rule(key).window_s * 1000,
      });
      this.limit = scope.createRateLimit();
    });
  }

  /** The rule of an upstream: its own, else the default. */
  ruleFor(upstream: string): RateLimitRule {
    return this.config.upstreams[upstream] ?? this.config.default;
  }

  /** Counts one request of `principalKey` to `upstream`; limited once past the rule's `max`. */
  async check(
    request: FastifyRequest,
    principalKey: string,
    upstream: string,
  ): Promise<RateLimitVerdict> {
    const limit = this.limit;
    if (limit === undefined) {
      return NOT_LIMITED;
    }
    if (this.redis.status !== 'ready') {
      // Do not wait for a command to time out on every request while Redis is away.
      this.failOpen(new Error(`redis connection ${this.redis.status}`));
      return NOT_LIMITED;
    }
    const digest = createHash('sha256').update(principalKey).digest('base64url');
    // The library reads the key synchronously when called: concurrent checks of one request
    // (the aggregate route, one per upstream) each see their own.
    (request as KeyedRequest)[KEY] = `${upstream}:${digest}`;
    try {
      const result = await limit(request);
      this.recovered();
      if (result.isAllowed || !result.isExceeded) {
        return NOT_LIMITED;
      }
      this.metrics.rateLimit(upstream);
      return {
        limited: true,
        retryAfterSeconds: Math.max(1, result.ttlInSeconds),
        rule: this.ruleFor(upstream),
      };
    } catch (error) {
      this.failOpen(error);
      return NOT_LIMITED;
    }
  }

  private rule(key: string): RateLimitRule {
    return this.ruleFor(key.slice(0, key.indexOf(':')));
  }

  private failOpen(error: unknown): void {
    this.metrics.rateLimitError();
    if (!this.failing) {
      this.failing = true;
      this.logger.warn(
        { err: { name: (error as Error).name, message: (error as Error).message } },
        'rate limit unavailable (redis); requests are let through until it is back',
      );
    }
  }

  private recovered(): void {
    if (this.failing) {
      this.failing = false;
      this.logger.info('rate limit available again');
    }
  }
}
