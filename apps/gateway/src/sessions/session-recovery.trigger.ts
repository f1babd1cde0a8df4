import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { JobProducer } from '@app/jobs';
import { LOGGER } from '@app/observability';

/**
 * Issue 10 §1 session recovery, "detect → queue": a gateway that starts (a deploy, a crash) asks
 * the workers to recover the sessions it finds in Redis — refresh their users' credentials that
 * are near expiry, drop what cannot be recovered — instead of leaving it to the first calls.
 * Replicas starting together queue one job. The start does not wait on it: a Redis that cannot
 * take the job now is logged, and the workers' own schedule runs the recovery anyway.
 */
@Injectable()
export class SessionRecoveryTrigger implements OnApplicationBootstrap {
  constructor(
    private readonly jobs: JobProducer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.requestSessionRecovery().catch((error: unknown) => {
      this.logger.warn(
        { err: { message: (error as Error).message } },
        'session recovery not requested at start (Redis unreachable); the workers schedule runs it',
      );
    });
  }
}
