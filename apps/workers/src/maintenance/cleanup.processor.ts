import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import { CLEANUP_SCHEDULER_ID, JOBS, QUEUES } from '@app/jobs';
import { LOGGER } from '@app/observability';
import { CallTrailRepository } from '@app/persistence';
import { logRedisErrors } from '@app/redis';

const DAY_MS = 86_400_000;

/**
 * The `maintenance` queue's `cleanup` job (issue 10 §1): a BullMQ job scheduler runs it every
 * CLEANUP_EVERY_MS, once per deployment — every workers replica upserts the same scheduler id, so
 * there is one schedule, and BullMQ hands each run to one worker. Today it deletes call-trail rows
 * older than CALL_TRAIL_RETENTION_DAYS (issue 9 §4); expired sessions, OAuth states and audit rows
 * follow with the rest of the workers issue. An unknown job name cannot succeed by retrying.
 */
@Processor(QUEUES.maintenance)
export class CleanupProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue,
    private readonly trail: CallTrailRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: WorkersConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    logRedisErrors(this.worker, this.logger, 'maintenance-worker');
    await this.queue.upsertJobScheduler(
      CLEANUP_SCHEDULER_ID,
      // With `every`, BullMQ runs the first job at once (after a deploy, the cleanup runs then).
      { every: this.config.CLEANUP_EVERY_MS },
      { name: JOBS.cleanup, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  }

  async process(job: Job): Promise<{ call_trail_deleted: number }> {
    if (job.name !== JOBS.cleanup) {
      throw new UnrecoverableError(`unknown job "${job.name}" on the maintenance queue`);
    }
    const cutoff = new Date(Date.now() - this.config.CALL_TRAIL_RETENTION_DAYS * DAY_MS);
    const deleted = await this.trail.deleteOlderThan(cutoff);
    this.logger.info(
      { call_trail_deleted: deleted, older_than: cutoff.toISOString() },
      'cleanup done',
    );
    return { call_trail_deleted: deleted };
  }
}
