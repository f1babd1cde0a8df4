import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import {
  type ConnectionCompleted,
  connectionCompletedChannel,
  parseConnectionCompleted,
} from '@app/gateway-contract';
import { LOGGER } from '@app/observability';
import { logRedisErrors, REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';
import { CredentialCache } from '../credentials/credential.cache';
import { SessionStreams } from '../sessions/session-streams';
import { PendingElicitationStore } from './pending-elicitation.store';

type Waiter = { subject: string; provider: string | undefined; wake: () => void };

/**
 * Issue 9 §2: the broker's `connections:completed` announcements, on a subscriber connection of
 * their own. For each one, in order:
 * | # | what | why |
 * |---|------|-----|
 * | 1 | drop the user's cached credential answers | the credential-change message travels on another connection and may come later: a woken retry must not read a stale answer |
 * | 2 | wake this replica's 2026-07-28 retries of that subject waiting on that elicitation id (or on that provider) | the retry goes on and gets the credential |
 * | 3 | find the pending −32042 in Redis; same subject → `notifications/elicitation/complete` into the session's GET stream (held until one attaches, within the remedy's lifetime) | the legacy client retries |
 * A completion for user A never reaches user B: steps 2 and 3 compare the subject.
 */
@Injectable()
export class CompletionListener implements OnModuleInit, OnModuleDestroy {
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly cache: CredentialCache,
    private readonly streams: SessionStreams,
    private readonly pending: PendingElicitationStore,
  ) {
    this.channel = connectionCompletedChannel(options.keyPrefix);
    this.subscriber = redis.duplicate({
      connectionName: 'completion-subscriber',
      enableReadyCheck: false,
    });
    logRedisErrors(this.subscriber, logger, 'completion-subscriber');
  }

  /**
   * Resolves when the subject completes that elicitation — or connects that provider through
   * another remedy (another client's link) — on any replica; cancel() stops waiting.
   */
  waitFor(
    elicitationId: string,
    subject: string,
    provider?: string,
  ): { done: Promise<void>; cancel: () => void } {
    let waiter!: Waiter;
    const done = new Promise<void>((resolve) => {
      waiter = { subject, provider, wake: resolve };
    });
    let set = this.waiters.get(elicitationId);
    if (set === undefined) {
      set = new Set();
      this.waiters.set(elicitationId, set);
    }
    set.add(waiter);
    const cancel = (): void => {
      const current = this.waiters.get(elicitationId);
      current?.delete(waiter);
      if (current?.size === 0) {
        this.waiters.delete(elicitationId);
      }
    };
    return { done, cancel };
  }

  async onModuleInit(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) {
        return;
      }
      const completed = parseConnectionCompleted(message);
      if (completed !== undefined) {
        this.handle(completed).catch((error: unknown) =>
          this.logger.warn({ err: error }, 'connection completion not delivered'),
        );
      }
    });
    await this.subscriber.subscribe(this.channel).catch((error: unknown) => {
      this.logger.warn(
        { err: error },
        'completion listener: subscribe failed; clients retry on their own',
      );
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.subscriber.disconnect();
  }

  /** Public for tests: what one announcement does (the table above). */
  async handle(completed: ConnectionCompleted): Promise<void> {
    this.cache.forgetSubject(completed.subject);
    for (const [id, set] of this.waiters) {
      for (const waiter of set) {
        if (
          waiter.subject === completed.subject &&
          (id === completed.elicitation_id || waiter.provider === completed.provider)
        ) {
          waiter.wake();
        }
      }
    }
    const pending = await this.pending.find(completed.elicitation_id);
    if (
      pending?.sessionKey === undefined ||
      pending.subject !== completed.subject ||
      pending.expiresAt <= Date.now()
    ) {
      return;
    }
    const notification = {
      jsonrpc: '2.0',
      method: 'notifications/elicitation/complete',
      params: { elicitationId: completed.elicitation_id },
    };
    if (this.streams.notifyOrHold(pending.sessionKey, notification, pending.expiresAt)) {
      // Delivered here: other replicas (which may hold it for a stream of their own) are told by
      // the record's absence when a stream attaches late — best effort, a duplicate is harmless.
      await this.pending.forget(completed.elicitation_id);
    }
  }
}
