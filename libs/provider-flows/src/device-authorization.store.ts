import type Redis from 'ioredis';
import { sha256Hex } from '@app/crypto';
import { SingleUseStore } from '@app/redis';

/** A device authorization waiting for the user (RFC 8628), kept until it completes or expires. */
export interface PendingDeviceAuthorization {
  subject: string;
  providerId: string;
  scopes: string[];
  deviceCodeSealed: string;
  /** Seconds between polls; grows by 5 on every `slow_down` (RFC 8628 §3.5). */
  interval: number;
  expiresAt: number;
  /** Consecutive transport failures, for exponential backoff (RFC 8628 §3.5). */
  failures?: number;
  /** The code shown to the user: the elicitation id announced on completion (issue 9 §2). */
  userCode?: string;
}

/** What the user was told for the authorization in flight, returned again instead of a new code. */
export interface ActiveDeviceAuthorization<R> {
  pendingId: string;
  remedy: R;
  expiresAt: number;
}

/**
 * Redis, with TTLs equal to the device code's lifetime: nothing outlives the code. Per
 * (subject, provider) a pointer names the authorization in flight, so repeated tool calls show the
 * same user code instead of starting new flows; a short lease per pending id keeps polls apart.
 * A sorted set indexes the pending ids by expiry, so the workers' sweep finds a pending
 * authorization whose poll job was lost without scanning the keyspace.
 */
export class DeviceAuthorizationStore {
  private readonly pending: SingleUseStore<PendingDeviceAuthorization>;
  private readonly active: SingleUseStore<ActiveDeviceAuthorization<unknown>>;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {
    // Every write passes the code's remaining lifetime; the default is RFC 8628's usual maximum.
    const options = { ttlSeconds: 1800 };
    this.pending = new SingleUseStore(redis, { ...options, keyPrefix: `${keyPrefix}device:` });
    this.active = new SingleUseStore(redis, {
      ...options,
      keyPrefix: `${keyPrefix}device-active:`,
    });
  }

  async save(id: string, pending: PendingDeviceAuthorization, now = Date.now()): Promise<void> {
    await this.pending.put(id, pending, ttl(pending.expiresAt, now));
    await this.redis.zadd(this.indexKey, pending.expiresAt, id);
  }

  /** Ids of authorizations still pending at `now` (expired index entries are pruned on the way). */
  async pendingIds(now = Date.now(), limit = 10_000): Promise<string[]> {
    await this.redis.zremrangebyscore(this.indexKey, '-inf', now);
    return this.redis.zrangebyscore(this.indexKey, now, '+inf', 'LIMIT', 0, limit);
  }

  /** Updates a pending authorization only if it still exists (a finished one stays finished). */
  async update(id: string, pending: PendingDeviceAuthorization, now = Date.now()): Promise<void> {
    await this.pending.replace(id, pending, ttl(pending.expiresAt, now));
  }

  async get(id: string): Promise<PendingDeviceAuthorization | null> {
    return this.pending.peek(id);
  }

  async delete(
    id: string,
    pending?: Pick<PendingDeviceAuthorization, 'subject' | 'providerId'>,
  ): Promise<void> {
    await this.pending.delete(id);
    await this.redis.zrem(this.indexKey, id);
    if (pending) {
      const pointer = pointerId(pending.subject, pending.providerId);
      const active = await this.active.peek(pointer);
      if (active !== null && active.pendingId === id) {
        await this.active.delete(pointer);
      }
    }
  }

  /** Records the authorization in flight for (subject, provider) unless one is already recorded. */
  async claimActive<R>(
    subject: string,
    providerId: string,
    active: ActiveDeviceAuthorization<R>,
    now = Date.now(),
  ): Promise<boolean> {
    return this.active.putIfAbsent(
      pointerId(subject, providerId),
      active,
      ttl(active.expiresAt, now),
    );
  }

  async getActive<R>(
    subject: string,
    providerId: string,
  ): Promise<ActiveDeviceAuthorization<R> | null> {
    return (await this.active.peek(
      pointerId(subject, providerId),
    )) as ActiveDeviceAuthorization<R> | null;
  }

  private get indexKey(): string {
    return `${this.keyPrefix}device-pending`;
  }

  /**
   * One poller at a time per pending id, and not before `ms` has passed since the last poll. A
   * lease, not a single-use entry: it is never read, only claimed and left to expire, and it needs
   * millisecond precision (it ends just before the next poll is due).
   */
  async lease(id: string, ms: number): Promise<boolean> {
    return (
      (await this.redis.set(
        `${this.keyPrefix}device-lease:${id}`,
        '1',
        'PX',
        Math.max(1, ms),
        'NX',
      )) === 'OK'
    );
  }
}

// Subjects are issuer-chosen strings: hashed so any character is safe in a key.
const pointerId = (subject: string, providerId: string) => `${providerId}:${sha256Hex(subject)}`;

/** Whole seconds left, rounded down so the entry never outlives the code (at least one). */
function ttl(expiresAt: number, now: number): number {
  return Math.max(1, Math.floor((expiresAt - now) / 1000));
}
