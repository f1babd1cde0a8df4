import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { sha256Hex } from '@app/crypto';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';

const TTL_SECONDS = 24 * 3600;

/**
 * Resources keep their URIs on `/mcp` (they are URIs: a client may show, compare or store them),
 * so `resources/read` (and subscribe, and completions of a resource template) is routed by
 * remembering which upstream listed a URI or URI template to this principal: a Redis hash per
 * principal (any replica, both generations), refreshed by every list. A URI never listed is
 * −32602. Two upstreams listing the same URI: the last list wins.
 */
@Injectable()
export class ResourceOwners {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
  ) {
    this.prefix = `${options.keyPrefix}mcp-agg-resources:`;
  }

  async remember(principal: string, owners: ReadonlyMap<string, string>): Promise<void> {
    if (owners.size === 0) {
      return;
    }
    const key = this.key(principal);
    await this.redis.multi().hset(key, Object.fromEntries(owners)).expire(key, TTL_SECONDS).exec();
  }

  async owner(principal: string, uri: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key(principal), uri)) ?? undefined;
  }

  private key(principal: string): string {
    return `${this.prefix}${sha256Hex(principal)}`;
  }
}
