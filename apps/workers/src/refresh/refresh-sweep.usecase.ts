import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import { JOBS, QUEUES, refreshJobOptions, type TokenRefreshPayload } from '@app/jobs';
import { ConnectionRefreshRepository, type RefreshableConnection } from '@app/persistence';
import {
  jitteredRunAt,
  refreshWindow,
  type RefreshTiming,
  refreshSettings,
} from '@app/provider-flows';

const PAGE = 1000;
/**
 * How long a refresh job that spent its attempts on transient failures (429, 5xx, network) stays
 * in the dead-letter view before the sweep tries it again: long enough for an operator to see it,
 * short enough that an outage of the provider does not leave the connection unscheduled.
 */
export const REVIVE_FAILED_AFTER_MS = 15 * 60_000;
// Refusals for good (UnrecoverableError messages of the processor): never tried again.
const FOR_GOOD = /^(needs_reauth|unusable):/;

export interface SweepResult {
  /** Refreshable active connections looked at. */
  scanned: number;
  /** Of those, refreshes due before the next sweep, handed to BullMQ (existing ids are kept as they are). */
  queued: number;
  /** Failed jobs (transient failures, attempts spent) of the current generation tried again. */
  revived: number;
}

/**
 * The periodic safety net of the refresh schedule (issue 10 §1): every refreshable active
 * connection whose refresh falls before the sweep after next is queued again under its
 * generation's job id. Where the job exists (the normal case) BullMQ keeps the one it has, so the
 * sweep only brings back what was lost — Redis flushed or restarted without persistence, a queue
 * obliterated, a producer that could not reach Redis after storing tokens. A job kept in the
 * failed set blocks its id, so one whose attempts went on transient failures is retried once it
 * has been failed for REVIVE_FAILED_AFTER_MS (refusals for good are not: the connection is
 * `needs_reauth`, or its provider cannot refresh). Connections are read in keyset pages of ids and
 * schedule columns only (no tokens).
 */
@Injectable()
export class RefreshSweepUseCase {
  private readonly timing: RefreshTiming;

  constructor(
    private readonly refreshes: ConnectionRefreshRepository,
    @InjectQueue(QUEUES.tokenRefresh) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: WorkersConfig,
  ) {
    this.timing = refreshSettings(config);
  }

  async execute(now = Date.now()): Promise<SweepResult> {
    const horizon = now + 2 * this.config.REFRESH_SWEEP_EVERY_MS;
    let afterId: string | null = null;
    let scanned = 0;
    let queued = 0;
    let revived = 0;
    for (;;) {
      const page = await this.refreshes.pageRefreshable(afterId, PAGE);
      if (page.length === 0) {
        break;
      }
      scanned += page.length;
      afterId = page[page.length - 1].id;
      const jobs = [];
      for (const connection of page) {
        const window = refreshWindow({ ...connection, hasRefreshToken: true }, this.timing, now);
        if (window === null || window.dueAt > horizon) {
          continue;
        }
        const payload: TokenRefreshPayload = {
          connectionId: connection.id,
          generation: connection.refreshGeneration,
        };
        jobs.push({
          name: JOBS.tokenRefresh,
          data: payload,
          opts: refreshJobOptions(
            payload,
            jitteredRunAt(window, now),
            this.config.REFRESH_ATTEMPTS,
          ),
        });
      }
      if (jobs.length > 0) {
        await this.queue.addBulk(jobs);
        queued += jobs.length;
        revived += await this.reviveFailed(page, jobs, now);
      }
      if (page.length < PAGE) {
        break;
      }
    }
    return { scanned, queued, revived };
  }

  private async reviveFailed(
    page: RefreshableConnection[],
    jobs: { data: TokenRefreshPayload; opts: { jobId: string } }[],
    now: number,
  ): Promise<number> {
    const failing = new Set(page.filter((c) => c.refreshFailures > 0).map((c) => c.id));
    let revived = 0;
    for (const { data, opts } of jobs) {
      if (!failing.has(data.connectionId)) {
        continue;
      }
      const job = await this.queue.getJob(opts.jobId);
      if (
        job === undefined ||
        FOR_GOOD.test(job.failedReason ?? '') ||
        (job.finishedOn ?? now) > now - REVIVE_FAILED_AFTER_MS ||
        (await job.getState()) !== 'failed'
      ) {
        continue;
      }
      await job.retry('failed', { resetAttemptsMade: true });
      revived += 1;
    }
    return revived;
  }
}
