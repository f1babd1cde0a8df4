import type Redis from 'ioredis';
import type { Logger } from 'pino';
import {
  type ConnectionCompleted,
  connectionCompletedChannel,
  type CredentialChange,
  credentialChannel,
} from '@app/gateway-contract';

/**
 * Tells the gateways that cached credential answers are stale (message and channel: the
 * contract's `credentialChannel`), and that a user completed a connection a client may be
 * waiting for (`connectionCompletedChannel`, issue 9 §2). Called after the change committed, so it never throws: a
 * Redis outage is logged and the gateway's entries expire on their own.
 */
export class CredentialChangePublisher {
  private readonly channel: string;
  private readonly completedChannel: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    this.channel = credentialChannel(keyPrefix);
    this.completedChannel = connectionCompletedChannel(keyPrefix);
  }

  /**
   * A user's connection was created for the remedy `elicitationId` named (its state or user code):
   * the credential change first (so a gateway drops the stale answer before it wakes a waiting
   * retry), then the completion.
   */
  async connectionCompleted(completed: ConnectionCompleted): Promise<boolean> {
    const changed = await this.subjectChanged(completed.subject);
    try {
      await this.redis.publish(this.completedChannel, JSON.stringify(completed));
      return changed;
    } catch (error) {
      this.logger?.warn(
        { err: { message: (error as Error).message }, subject: completed.subject },
        'connection completion not announced (Redis unreachable); clients retry on their own',
      );
      return false;
    }
  }

  /** A user's connections changed (created, re-authorised, refreshed, revoked). */
  subjectChanged(subject: string): Promise<boolean> {
    return this.publish({ subject });
  }

  /** Something every principal's answers may depend on changed (API keys, service accounts). */
  allChanged(): Promise<boolean> {
    return this.publish({ all: true });
  }

  private async publish(change: CredentialChange): Promise<boolean> {
    try {
      await this.redis.publish(this.channel, JSON.stringify(change));
      return true;
    } catch (error) {
      this.logger?.warn(
        { err: { message: (error as Error).message }, change },
        'credential change not announced (Redis unreachable); gateway entries expire on their own',
      );
      return false;
    }
  }
}
