import { Inject, Injectable, Optional } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';
import type { UpstreamState } from './upstream.prober';

/** KEYS[1] the state hash; ARGV: upstream name, new state. Returns the state it replaces (or nil). */
const RECORD_SCRIPT = `
local previous = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return previous
`;

/** Where the states go on scrape (the workers' metrics: upstream_up{upstream}). */
export const UPSTREAM_HEALTH_GAUGE = Symbol('UPSTREAM_HEALTH_GAUGE');
export interface UpstreamHealthGauge {
  watchUpstreams(read: () => Promise<ReadonlyMap<string, UpstreamState>>): void;
}

/**
 * Each enabled upstream's last probed state, in one Redis hash (`<prefix>upstream-health`, field
 * = upstream name) shared by the workers replicas: whichever runs the health check sees the state
 * the previous run left, and every replica's `/metrics` reports the same. `record` swaps the state
 * in one script, so of two overlapping runs only one sees a given down → up.
 */
@Injectable()
export class UpstreamHealthStore {
  private readonly key: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
    @Optional() @Inject(UPSTREAM_HEALTH_GAUGE) gauge?: UpstreamHealthGauge,
  ) {
    this.key = `${options.keyPrefix}upstream-health`;
    gauge?.watchUpstreams(() => this.states());
  }

  /** Stores the state just probed; returns the one before it (undefined: never probed). */
  async record(upstream: string, state: UpstreamState): Promise<UpstreamState | undefined> {
    const previous = (await this.redis.eval(RECORD_SCRIPT, 1, this.key, upstream, state)) as
      string | null;
    return previous === 'up' || previous === 'down' ? previous : undefined;
  }

  /** Forgets upstreams no longer probed (removed or disabled): their gauge goes away. */
  async keepOnly(upstreams: readonly string[]): Promise<void> {
    const keep = new Set(upstreams);
    const gone = (await this.redis.hkeys(this.key)).filter((name) => !keep.has(name));
    if (gone.length > 0) {
      await this.redis.hdel(this.key, ...gone);
    }
  }

  async states(): Promise<ReadonlyMap<string, UpstreamState>> {
    const states = new Map<string, UpstreamState>();
    for (const [name, state] of Object.entries(await this.redis.hgetall(this.key))) {
      if (state === 'up' || state === 'down') {
        states.set(name, state);
      }
    }
    return states;
  }
}
