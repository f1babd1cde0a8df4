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
}

/** Redis, with a TTL equal to the device code's lifetime: nothing outlives the code. */
export class DeviceAuthorizationStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async save(id: string, pending: PendingDeviceAuthorization, now = Date.now()): Promise<void> {
    const ttlMs = Math.max(1000, pending.expiresAt - now);
    await this.redis.set(this.key(id), JSON.stringify(pending), 'PX', ttlMs);
  }

  async get(id: string): Promise<PendingDeviceAuthorization | null> {
    const raw = await this.redis.get(this.key(id));
    return raw === null ? null : (JSON.parse(raw) as PendingDeviceAuthorization);
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }

  private key(id: string): string {
    return `${this.keyPrefix}device:${id}`;
  }
}
