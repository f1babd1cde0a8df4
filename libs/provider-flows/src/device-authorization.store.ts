import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

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
 */
export class DeviceAuthorizationStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async save(id: string, pending: PendingDeviceAuthorization, now = Date.now()): Promise<void> {
    await this.redis.set(this.key(id), JSON.stringify(pending), 'PX', ttl(pending.expiresAt, now));
  }

  /** Updates a pending authorization only if it still exists (a finished one stays finished). */
  async update(id: string, pending: PendingDeviceAuthorization, now = Date.now()): Promise<void> {
    await this.redis.set(
      this.key(id),
      JSON.stringify(pending),
      'PX',
      ttl(pending.expiresAt, now),
      'XX',
    );
  }

  async get(id: string): Promise<PendingDeviceAuthorization | null> {
    const raw = await this.redis.get(this.key(id));
    return raw === null ? null : (JSON.parse(raw) as PendingDeviceAuthorization);
  }

  async delete(
    id: string,
    pending?: Pick<PendingDeviceAuthorization, 'subject' | 'providerId'>,
  ): Promise<void> {
    await this.redis.del(this.key(id));
    if (pending) {
      const pointer = this.pointerKey(pending.subject, pending.providerId);
      const active = await this.redis.get(pointer);
      if (active !== null && (JSON.parse(active) as { pendingId: string }).pendingId === id) {
        await this.redis.del(pointer);
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
    const result = await this.redis.set(
      this.pointerKey(subject, providerId),
      JSON.stringify(active),
      'PX',
      ttl(active.expiresAt, now),
      'NX',
    );
    return result === 'OK';
  }

  async getActive<R>(
    subject: string,
    providerId: string,
  ): Promise<ActiveDeviceAuthorization<R> | null> {
    const raw = await this.redis.get(this.pointerKey(subject, providerId));
    return raw === null ? null : (JSON.parse(raw) as ActiveDeviceAuthorization<R>);
  }

  /** One poller at a time per pending id, and not before `ms` has passed since the last poll. */
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

  private key(id: string): string {
    return `${this.keyPrefix}device:${id}`;
  }

  private pointerKey(subject: string, providerId: string): string {
    // Subjects are issuer-chosen strings: hashed so any character is safe in a key.
    const hashed = createHash('sha256').update(subject).digest('hex');
    return `${this.keyPrefix}device-active:${providerId}:${hashed}`;
  }
}

function ttl(expiresAt: number, now: number): number {
  return Math.max(1000, Math.floor(expiresAt - now));
}
