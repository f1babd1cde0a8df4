import type Redis from 'ioredis';

/** Announces a committed policy-set version to every cache. Best effort: caches also poll. */
export class PolicyChangePublisher {
  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
  ) {}

  async publish(version: number): Promise<boolean> {
    try {
      await this.redis.publish(this.channel, String(version));
      return true;
    } catch {
      return false;
    }
  }
}
