import { Inject, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import { JOBS, QUEUES, REFRESH_SWEEP_SCHEDULER_ID, type TokenRefreshPayload } from '@app/jobs';
import { LOGGER } from '@app/observability';
import {
  jitteredRunAt,
  RefreshConnectionUseCase,
  type RefreshOutcome,
  RefreshScheduler,
} from '@app/provider-flows';
import { logRedisErrors } from '@app/redis';
import { WorkersMetrics } from '../metrics/workers-metrics';
import { keepScheduled } from '../schedules/keep-scheduled';
import { RefreshSweepUseCase, type SweepResult } from './refresh-sweep.usecase';

// A busy lease is looked at again just after it would expire.
const AFTER_LEASE_MS = 500;

/**
 * The `token-refresh` queue (issue 10 §1): one job per connection generation, run inside the
 * refresh window. Thin: the refresh itself is RefreshConnectionUseCase (single flight, CAS).
 * - refreshed: the use case queued the next generation's job; this one completes;
 * - current, same generation (a job run early): moved back to delayed until the window
 *   (BullMQ's step pattern, `moveToDelayed` + `DelayedError`: no attempt is spent);
 * - current, newer generation (someone else refreshed): that generation's job is queued (one id
 *   per generation, so this is a no-op when it exists) and this one completes;
 * - busy: delayed until the other holder's lease ends;
 * - retry: thrown, so BullMQ retries with exponential backoff and jitter; after the last attempt
 *   the job stays failed (the dead-letter view);
 * - needs_reauth / unusable: `UnrecoverableError` (no retry can help);
 * - gone: completes.
 * `refresh-sweep` (a job scheduler, REFRESH_SWEEP_EVERY_MS, once per deployment, first run at
 * start): RefreshSweepUseCase re-queues refreshes whose job was lost.
 */
@Processor(QUEUES.tokenRefresh)
export class TokenRefreshProcessor
  extends WorkerHost
  implements OnModuleInit, OnApplicationBootstrap
{
  constructor(
    private readonly refresh: RefreshConnectionUseCase,
    private readonly scheduler: RefreshScheduler,
    private readonly sweep: RefreshSweepUseCase,
    @InjectQueue(QUEUES.tokenRefresh) private readonly queue: Queue,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: WorkersConfig,
    private readonly metrics: WorkersMetrics,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.WORKER_CONCURRENCY;
    logRedisErrors(this.worker, this.logger, 'token-refresh-worker');
  }

  async onApplicationBootstrap(): Promise<void> {
    await keepScheduled(this.queue, this.logger, () => this.scheduleSweep());
  }

  private scheduleSweep(): Promise<unknown> {
    return this.queue.upsertJobScheduler(
      REFRESH_SWEEP_SCHEDULER_ID,
      { every: this.config.REFRESH_SWEEP_EVERY_MS },
      { name: JOBS.refreshSweep, data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  }

  async process(job: Job, token?: string): Promise<RefreshOutcome['state'] | SweepResult> {
    switch (job.name) {
      case JOBS.tokenRefresh:
        return this.refreshOne(job as Job<TokenRefreshPayload>, token);
      case JOBS.refreshSweep: {
        this.metrics.jobStarted(job);
        const result = await this.sweep.execute();
        this.metrics.sweep(result);
        this.logger.info(result, 'refresh sweep done');
        return result;
      }
      default:
        throw new UnrecoverableError(`unknown job "${job.name}" on the token-refresh queue`);
    }
  }

  private async refreshOne(
    job: Job<TokenRefreshPayload>,
    token: string | undefined,
  ): Promise<RefreshOutcome['state']> {
    const { connectionId, generation } = job.data;
    this.metrics.jobStarted(job);
    const outcome = await this.refresh
      .execute(connectionId, { seenGeneration: generation })
      .catch((error: unknown) => {
        this.metrics.refreshError();
        throw error;
      });
    this.metrics.refresh(outcome);
    switch (outcome.state) {
      case 'refreshed':
      case 'gone':
        return outcome.state;
      case 'current': {
        const connection = outcome.connection;
        if (connection.refreshGeneration !== generation) {
          await this.scheduler.scheduleNext(connection);
          return outcome.state;
        }
        const window = this.scheduler.window(connection);
        if (window === null) {
          return outcome.state;
        }
        return this.delay(job, token, jitteredRunAt(window));
      }
      case 'busy':
        return this.delay(job, token, outcome.until.getTime() + AFTER_LEASE_MS);
      case 'retry':
        throw new Error(`refresh failed, will retry: ${outcome.reason}`);
      case 'needs_reauth':
      case 'unusable':
        this.logger.warn(
          { connection_id: connectionId, state: outcome.state, reason: outcome.reason },
          'refresh refused for good',
        );
        throw new UnrecoverableError(`${outcome.state}: ${outcome.reason}`);
    }
  }

  private async delay(job: Job, token: string | undefined, at: number): Promise<never> {
    await job.moveToDelayed(at, token);
    throw new DelayedError();
  }
}
