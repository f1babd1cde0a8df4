import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import { JOBS, QUEUES, refreshJobOptions, type TokenRefreshPayload } from '@app/jobs';
import { ConnectionRefreshRepository } from '@app/persistence';
import {
  jitteredRunAt,
  refreshWindow,
  type RefreshTiming,
  refreshSettings,
} from '@app/provider-flows';

const PAGE = 1000;

export interface SweepResult {
  /** Refreshable active connections looked at. */
  scanned: number;
  /** Of those, refreshes due before the next sweep, handed to BullMQ (existing ids are kept as they are). */
  queued: number;
}

/**
 * The periodic safety net of the refresh schedule (issue 10 §1): every refreshable active
 * connection whose refresh falls before the sweep after next is queued again under its
 * generation's job id. Where the job exists (the normal case) BullMQ keeps the one it has, so the
 * sweep only brings back what was lost — Redis flushed or restarted without persistence, a queue
 * obliterated, a producer that could not reach Redis after storing tokens. Connections are read in
 * keyset pages of ids and schedule columns only (no tokens).
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
      }
      if (page.length < PAGE) {
        break;
      }
    }
    return { scanned, queued };
  }
}
