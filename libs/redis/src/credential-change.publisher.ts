import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { type CredentialChange, credentialChannel } from '@app/gateway-contract';

/**
 * Tells the gateways that cached credential answers are stale (message and channel: the
 * contract's `credentialChannel`). Called after the change committed, so it never throws: a
 * Redis outage is logged and the gateway's entries expire on their own.
 */
export class CredentialChangePublisher {
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    this.channel = credentialChannel(keyPrefix);
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
