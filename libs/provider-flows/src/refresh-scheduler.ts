import type { Logger } from 'pino';
import type { JobProducer } from '@app/jobs';
import type { ConnectionEntity } from '@app/persistence';
import { jitteredRunAt, type RefreshTiming, refreshWindow } from './refresh-schedule';

/**
 * Queues a connection's next refresh (issue 10 §1) wherever its tokens were written: a connect
 * (code flow, device flow), a refresh by the workers or by the broker on demand. One job id per
 * generation, so queuing twice is one job; a job that cannot be queued now (Redis down) is
 * logged and left to the workers' sweep — the tokens are stored either way.
 */
export class RefreshScheduler {
  constructor(
    private readonly jobs: JobProducer,
    readonly timing: RefreshTiming,
    private readonly logger: Logger,
  ) {}

  /** The connection's refresh window (null: nothing to refresh). */
  window(connection: Pick<ConnectionEntity, 'expiresAt' | 'issuedAt' | 'refreshTokenSealed'>) {
    return refreshWindow(
      {
        expiresAt: connection.expiresAt,
        issuedAt: connection.issuedAt,
        hasRefreshToken: connection.refreshTokenSealed !== null,
      },
      this.timing,
    );
  }

  async scheduleNext(connection: ConnectionEntity): Promise<void> {
    const window = connection.status === 'active' ? this.window(connection) : null;
    if (window === null) {
      return;
    }
    try {
      await this.jobs.scheduleRefresh(
        { connectionId: connection.id, generation: connection.refreshGeneration },
        jitteredRunAt(window),
      );
    } catch (error) {
      this.logger.warn(
        { err: { message: (error as Error).message }, connection_id: connection.id },
        'next refresh not queued; the workers sweep will queue it',
      );
    }
  }
}
