import type Redis from 'ioredis';

/**
 * Announces a committed version on a channel, for every VersionFollower listening. Best effort:
 * followers also poll, so a Redis outage delays a change, never loses it. Subclasses name what is
 * announced (and give Nest a token each).
 */
export class VersionAnnouncer {
  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
  ) {}

  /** False when Redis did not take the message (the caller logs; pollers catch up). */
  async publish(version: number): Promise<boolean> {
    try {
      await this.redis.publish(this.channel, String(version));
      return true;
    } catch {
      return false;
    }
  }
}
