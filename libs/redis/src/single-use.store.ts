import type Redis from 'ioredis';
import { sha256Hex } from '@app/crypto';
import { RedisUnavailableError } from './redis-unavailable.error';

/** How values are written and read back (JSON by default; a sealing codec for secrets at rest). */
export interface SingleUseCodec<T> {
  encode(value: T, id: string): string | Promise<string>;
  /** `null` when the stored text cannot be read back (tampered, sealed with a retired key…). */
  decode(raw: string, id: string): T | null | Promise<T | null>;
}

export interface SingleUseStoreOptions<T> {
  /** The app's key prefix plus this store's name, e.g. `${REDIS_KEY_PREFIX}connect-request:`. */
  keyPrefix: string;
  /** Default lifetime of an entry. */
  ttlSeconds: number;
  /** Store under the SHA-256 of the id (ids that are bearer secrets: states, codes). */
  hashIds?: boolean;
  codec?: SingleUseCodec<T>;
}

const jsonCodec: SingleUseCodec<never> = {
  encode: (value) => JSON.stringify(value),
  decode: (raw) => JSON.parse(raw) as never,
};

/**
 * Short-lived entries that are used at most once (OAuth state, pending logins, connect links,
 * device codes): written with a TTL, taken with GETDEL so of two concurrent takers exactly one
 * gets the value. Not a Nest provider itself: each feature builds one with its own prefix and TTL.
 */
export class SingleUseStore<T> {
  private readonly codec: SingleUseCodec<T>;

  constructor(
    private readonly redis: Redis,
    private readonly options: SingleUseStoreOptions<T>,
  ) {
    if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
      throw new TypeError('SingleUseStore needs a positive integer ttlSeconds');
    }
    this.codec = options.codec ?? (jsonCodec as SingleUseCodec<T>);
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  /** Writes (or replaces) the entry for `id`. */
  async put(id: string, value: T, ttlSeconds = this.options.ttlSeconds): Promise<void> {
    const encoded = await this.codec.encode(value, id);
    await RedisUnavailableError.wrap(() => this.redis.set(this.key(id), encoded, 'EX', ttlSeconds));
  }

  /** Writes only when there is no entry for `id` yet; true for the one caller that wrote it. */
  async putIfAbsent(id: string, value: T, ttlSeconds = this.options.ttlSeconds): Promise<boolean> {
    const encoded = await this.codec.encode(value, id);
    return (
      (await RedisUnavailableError.wrap(() =>
        this.redis.set(this.key(id), encoded, 'EX', ttlSeconds, 'NX'),
      )) === 'OK'
    );
  }

  /**
   * Replaces the entry only while it still exists, so a taken or expired entry stays gone (a
   * finished flow is not brought back by a late update); false when there was nothing to replace.
   */
  async replace(id: string, value: T, ttlSeconds = this.options.ttlSeconds): Promise<boolean> {
    const encoded = await this.codec.encode(value, id);
    return (
      (await RedisUnavailableError.wrap(() =>
        this.redis.set(this.key(id), encoded, 'EX', ttlSeconds, 'XX'),
      )) === 'OK'
    );
  }

  /** Reads without using it up (a page that shows what a link is for before it is completed). */
  async peek(id: string): Promise<T | null> {
    const raw = await RedisUnavailableError.wrap(() => this.redis.get(this.key(id)));
    return raw === null ? null : this.codec.decode(raw, id);
  }

  /** Reads and removes in one step: only one caller ever gets the value. */
  async take(id: string): Promise<T | null> {
    const raw = await RedisUnavailableError.wrap(() => this.redis.getdel(this.key(id)));
    return raw === null ? null : this.codec.decode(raw, id);
  }

  /** Removes the entry; true only for the one caller that removed it. */
  async delete(id: string): Promise<boolean> {
    return (await RedisUnavailableError.wrap(() => this.redis.del(this.key(id)))) === 1;
  }

  private key(id: string): string {
    return `${this.options.keyPrefix}${this.options.hashIds === true ? sha256Hex(id) : id}`;
  }
}
