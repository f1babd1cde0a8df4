import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomToken } from '@app/crypto';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions, SingleUseStore } from '@app/redis';
import { CODE_FLOW_TTL_SECONDS } from '@app/provider-flows';

/** A connection asked for on a tool call: who must complete it, for which provider and scopes. */
export interface ConnectRequest {
  subject: string;
  provider: string;
  scopes: string[];
}

const ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * Pending connect requests (the `authorization_url` of an `oauth` remedy points at one): random
 * ids in Redis for 10 minutes. The page that opens one checks the signed-in user is `subject`.
 */
@Injectable()
export class ConnectRequestStore {
  private readonly store: SingleUseStore<ConnectRequest>;

  constructor(@Inject(REDIS) redis: Redis, @Inject(REDIS_OPTIONS) options: RedisModuleOptions) {
    this.store = new SingleUseStore(redis, {
      keyPrefix: `${options.keyPrefix}connect-request:`,
      ttlSeconds: CODE_FLOW_TTL_SECONDS,
    });
  }

  async create(request: ConnectRequest): Promise<{ id: string; expiresIn: number }> {
    const id = randomToken(24);
    await this.store.put(id, request);
    return { id, expiresIn: this.store.ttlSeconds };
  }

  async get(id: string): Promise<ConnectRequest | null> {
    return ID.test(id) ? this.store.peek(id) : null;
  }

  /** Removes the request; true only for the one caller that removed it. */
  take(id: string): Promise<boolean> {
    return this.store.delete(id);
  }
}
