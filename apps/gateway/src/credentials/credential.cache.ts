import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import {
  type CredentialAnswer,
  credentialChannel,
  parseCredentialChange,
} from '@app/gateway-contract';
import { LOGGER } from '@app/observability';
import { logRedisErrors, REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';
import { BoundedCache } from '../auth/bounded-cache';

/** Answers that may be reused: a credential until shortly before it expires, a plain yes/no briefly. */
type Cacheable = Extract<CredentialAnswer, { outcome: 'inject' | 'none' | 'denied' }>;

const EXPIRY_MARGIN_MS = 30_000;
const NO_EXPIRY_TTL_MS = 5 * 60_000;
const DECISION_TTL_MS = 60_000;
const UNGOVERNED_ABSENT_TTL_MS = 30_000;

/**
 * The broker's credential answers per principal and auth method. A remedy (`auth_required`) or an
 * outage (`unavailable`) is never cached: the next call asks again, so a user who has just connected
 * succeeds on the retry. The broker announces changed connections on Redis; the principal's entries
 * are dropped at once (and everything on `{"all":true}` or a lost subscription).
 */
@Injectable()
export class CredentialCache implements OnModuleInit, OnModuleDestroy {
  private readonly cache = new BoundedCache<Cacheable>(50_000);
  private readonly subscriber: Redis;
  private readonly channel: string;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.channel = credentialChannel(options.keyPrefix);
    this.subscriber = redis.duplicate({
      connectionName: 'credential-cache-subscriber',
      enableReadyCheck: false,
    });
    logRedisErrors(this.subscriber, logger, 'credential-cache-subscriber');
  }

  key(subject: string, method: unknown): string {
    return `${subject}\n${JSON.stringify(method)}`;
  }

  get(key: string): Cacheable | undefined {
    return this.cache.get(key);
  }

  remember(key: string, answer: CredentialAnswer): void {
    const now = Date.now();
    switch (answer.outcome) {
      case 'inject': {
        const until =
          answer.expires_at === null
            ? now + NO_EXPIRY_TTL_MS
            : Date.parse(answer.expires_at) - EXPIRY_MARGIN_MS;
        this.cache.set(key, answer, until);
        return;
      }
      case 'none':
      case 'denied':
        this.cache.set(key, answer, now + DECISION_TTL_MS);
        return;
      case 'auth_required':
      case 'unavailable':
        return;
    }
  }

  /** Where "no credential yet" is remembered for ungoverned methods (same subject prefix: invalidated with it). */
  withoutCredentialKey(key: string): string {
    return `${key}\nungoverned`;
  }

  /** An ungoverned method goes on without a credential for a short while (see ObtainCredentialStep). */
  rememberWithoutCredential(key: string): void {
    this.cache.set(key, { outcome: 'none' }, Date.now() + UNGOVERNED_ABSENT_TTL_MS);
  }

  forget(key: string): void {
    this.cache.delete(key);
  }

  /** Drops every answer of one subject (a completed connection: completion.listener.ts). */
  forgetSubject(subject: string): void {
    this.cache.deletePrefix(`${subject}\n`);
  }

  async onModuleInit(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) {
        this.invalidate(message);
      }
    });
    // Announcements missed while disconnected: drop everything rather than serve a revoked token.
    this.subscriber.on('ready', () => this.cache.clear());
    await this.subscriber.subscribe(this.channel).catch((error: unknown) => {
      this.logger.warn(
        { err: error },
        'credential cache: subscribe failed; entries expire on their own',
      );
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.subscriber.disconnect();
  }

  private invalidate(message: string): void {
    const change = parseCredentialChange(message);
    if (change !== undefined && 'subject' in change) {
      this.forgetSubject(change.subject);
    } else {
      // `{"all":true}`, or a message we cannot read: dropping everything is the safe side.
      this.cache.clear();
    }
  }
}
