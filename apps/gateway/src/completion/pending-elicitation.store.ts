import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { sha256Hex } from '@app/crypto';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';

/** What the gateway remembers of an auth-required answer it gave (issue 9 §2). */
export interface PendingElicitation {
  /** The principal's subject: a completion for anyone else never touches it. */
  subject: string;
  /** Epoch ms when the remedy expires: no wait and no notification past it. */
  expiresAt: number;
  /** Legacy −32042 answers: the session whose GET stream hears `notifications/elicitation/complete`. */
  sessionKey?: string;
}

/**
 * Pending elicitations in Redis, keyed by the SHA-256 of the elicitation id (the remedy's state
 * or user code), with the remedy's lifetime as TTL, so whichever replica receives the completion
 * (or the 2026-07-28 retry) finds it.
 */
@Injectable()
export class PendingElicitationStore {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
  ) {
    this.prefix = `${options.keyPrefix}elicitation:`;
  }

  async remember(
    elicitationId: string,
    pending: PendingElicitation,
    ttlSeconds: number,
  ): Promise<void> {
    await this.redis.set(
      this.key(elicitationId),
      JSON.stringify(pending),
      'EX',
      Math.max(1, Math.ceil(ttlSeconds)),
    );
  }

  async find(elicitationId: string): Promise<PendingElicitation | undefined> {
    const raw = await this.redis.get(this.key(elicitationId));
    return raw === null ? undefined : (JSON.parse(raw) as PendingElicitation);
  }

  async forget(elicitationId: string): Promise<void> {
    await this.redis.del(this.key(elicitationId));
  }

  private key(elicitationId: string): string {
    return `${this.prefix}${sha256Hex(elicitationId)}`;
  }
}
