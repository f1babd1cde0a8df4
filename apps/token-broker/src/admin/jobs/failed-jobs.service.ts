import { Inject, Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import { JobProducer, QUEUES } from '@app/jobs';
import { LOGGER } from '@app/observability';
import { AdminApiError } from '../http/admin-api.error';

/** The queues whose dead letters an operator can see and retry. */
export const DEAD_LETTER_QUEUES = [QUEUES.tokenRefresh, QUEUES.credentials] as const;
export type DeadLetterQueue = (typeof DEAD_LETTER_QUEUES)[number];

export interface FailedJobView {
  id: string;
  name: string;
  connection_id: string | null;
  generation: number | null;
  pending_id: string | null;
  failed_reason: string | null;
  attempts_made: number;
  finished_on: string | null;
}

/**
 * The dead-letter view (issue 10 §2): jobs that exhausted their attempts or failed for good stay
 * in BullMQ's failed set (7 days for token-refresh). Payloads hold ids only (the job catalog);
 * only the catalog's id fields are copied out, so nothing else a job might carry is shown.
 */
@Injectable()
export class FailedJobsService {
  constructor(
    private readonly jobs: JobProducer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Newest failure first. */
  async list(queue: DeadLetterQueue, limit: number): Promise<FailedJobView[]> {
    const failed = await this.queue(queue).getFailed(0, limit - 1);
    return failed.filter((job): job is Job => job !== undefined).map(view);
  }

  /** Moves one failed job back to waiting (its attempts start over). */
  async retry(queue: DeadLetterQueue, id: string, actor: string): Promise<FailedJobView> {
    const job = await this.queue(queue).getJob(id);
    if (job === undefined) {
      throw new AdminApiError('not_found', `no job "${id}" on the ${queue} queue`);
    }
    const state = await job.getState();
    if (state !== 'failed') {
      throw new AdminApiError('conflict', `job "${id}" is ${state}, not failed`);
    }
    await job.retry('failed');
    this.logger.info({ queue, job_id: id, actor }, 'failed job retried by an operator');
    return view(job);
  }

  private queue(name: DeadLetterQueue): Queue {
    return name === QUEUES.tokenRefresh ? this.jobs.refreshQueue : this.jobs.credentialsQueue;
  }
}

function view(job: Job): FailedJobView {
  const data = (job.data ?? {}) as Record<string, unknown>;
  return {
    id: job.id ?? '',
    name: job.name,
    connection_id: typeof data.connectionId === 'string' ? data.connectionId : null,
    generation: typeof data.generation === 'number' ? data.generation : null,
    pending_id: typeof data.pendingId === 'string' ? data.pendingId : null,
    failed_reason: job.failedReason ?? null,
    attempts_made: job.attemptsMade,
    finished_on: job.finishedOn === undefined ? null : new Date(job.finishedOn).toISOString(),
  };
}
