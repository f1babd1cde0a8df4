import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomToken } from '@app/crypto';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';
import { CODE_FLOW_TTL_SECONDS } from '@app/provider-flows';

/** A connection asked for on a tool call: who must complete it, for which provider and scopes. */
export interface ConnectRequest {
  subject: string;
  provider: string;
  scopes: string[];
}

/**
 * Pending connect requests (the `authorization_url` of an `oauth` remedy points at one): random
 * ids in Redis for 10 minutes. The page that opens one checks the signed-in user is `subject`.
 */
@Injectable()
export class ConnectRequestStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_OPTIONS) private readonly options: RedisModuleOptions,
  ) {}

  async create(request: ConnectRequest): Promise<{ id: string; expiresIn: number }> {
    const id = randomToken(24);
    await this.redis.set(this.key(id), JSON.stringify(request), 'EX', CODE_FLOW_TTL_SECONDS);
    return { id, expiresIn: CODE_FLOW_TTL_SECONDS };
  }

  async get(id: string): Promise<ConnectRequest | null> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
      return null;
    }
    const raw = await this.redis.get(this.key(id));
    return raw === null ? null : (JSON.parse(raw) as ConnectRequest);
  }

  /** Removes the request; true only for the one caller that removed it. */
  async take(id: string): Promise<boolean> {
    return (await this.redis.del(this.key(id))) === 1;
  }

  private key(id: string): string {
    return `${this.options.keyPrefix}connect-request:${id}`;
  }
}
