import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { JsonRpcId } from '@app/mcp-protocol';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';

/** Where a relayed server-to-client request came from. */
export interface RelayedRequest {
  upstream: string;
  id: JsonRpcId;
  /** The aggregate session's SHA-256-keyed owner: the answer must come from the same principal. */
  principal: string;
}

const TTL_SECONDS = 600;

/**
 * Server-to-client requests (elicitation/create, sampling/createMessage, roots/list) relayed from
 * several upstreams to one client: each gets a gateway id (`mcpgw-<random>`) so two upstreams'
 * ids never collide, mapped in Redis (10 min) to the upstream and its original id, so the client's
 * answer POSTed to any replica reaches the right upstream session with the id it expects.
 */
@Injectable()
export class RelayedRequests {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
  ) {
    this.prefix = `${options.keyPrefix}mcp-agg-request:`;
  }

  async map(origin: RelayedRequest): Promise<string> {
    const id = `mcpgw-${randomBytes(16).toString('base64url')}`;
    await this.redis.set(`${this.prefix}${id}`, JSON.stringify(origin), 'EX', TTL_SECONDS);
    return id;
  }

  /** The origin of a gateway id, taken (an answer is routed once). */
  async take(id: JsonRpcId | null): Promise<RelayedRequest | undefined> {
    if (typeof id !== 'string' || !id.startsWith('mcpgw-') || id.length > 64) {
      return undefined;
    }
    const raw = await this.redis.getdel(`${this.prefix}${id}`);
    return raw === null ? undefined : (JSON.parse(raw) as RelayedRequest);
  }
}
