import { Inject, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import {
  DEVICE_POLL_SWEEP_SCHEDULER_ID,
  type DevicePollPayload,
  JOBS,
  QUEUES,
  SESSION_RECOVERY_JOB_ID,
  SESSION_RECOVERY_SCHEDULER_ID,
  type SessionRecoveryPayload,
  UPSTREAM_HEALTH_SCHEDULER_ID,
} from '@app/jobs';
import { LOGGER } from '@app/observability';
import { type DevicePollOutcome, PollDeviceAuthorizationUseCase } from '@app/provider-flows';
import { logRedisErrors } from '@app/redis';
import { WorkersMetrics } from '../metrics/workers-metrics';
import { keepScheduled } from '../schedules/keep-scheduled';
import {
  type RecoveryCounts,
  type RecoveryTrigger,
  SessionRecoveryUseCase,
} from '../sessions/session-recovery.usecase';
import {
  type UpstreamHealthResult,
  UpstreamHealthUseCase,
} from '../upstreams/upstream-health.usecase';
import { DevicePollSweepUseCase, type DevicePollSweepResult } from './device-poll-sweep.usecase';

const SCHEDULED = { removeOnComplete: 100, removeOnFail: 100 };

/**
 * The `credentials` queue. Thin: each job name maps to one use case; payloads are ids only.
 * - `device-poll`: one job per pending device authorization for its whole life. A poll still
 *   pending moves the job back to delayed until the next poll is due (BullMQ's step pattern,
 *   `moveToDelayed` + `DelayedError`: no new job, no attempt spent); the RFC 8628 pace (interval,
 *   +5 s per slow_down, backoff on transport failures) is the use case's `retryAfterMs`. Connected,
 *   denied, expired and gone complete; a provider that cannot do the flow any more is
 *   `UnrecoverableError`. A thrown error (Postgres or Redis down) is retried with backoff.
 * - `device-poll-sweep` (a job scheduler, once per deployment): re-queues lost poll jobs.
 * - `session-recovery` (a job scheduler, on demand when a gateway starts, and for one upstream —
 *   `{upstream}` — when it answers again after failing its health checks).
 * - `upstream-health` (a job scheduler, once per deployment): probes the upstreams.
 * An unknown job name cannot succeed by retrying: `UnrecoverableError`.
 */
@Processor(QUEUES.credentials)
export class CredentialsProcessor
  extends WorkerHost
  implements OnModuleInit, OnApplicationBootstrap
{
  constructor(
    private readonly poll: PollDeviceAuthorizationUseCase,
    private readonly sweep: DevicePollSweepUseCase,
    private readonly recovery: SessionRecoveryUseCase,
    private readonly upstreamHealth: UpstreamHealthUseCase,
    @InjectQueue(QUEUES.credentials) private readonly queue: Queue,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: WorkersConfig,
    private readonly metrics: WorkersMetrics,
  ) {
    super();
  }

  onModuleInit(): void {
    // Decorator arguments cannot read configuration; the worker exists by now.
    this.worker.concurrency = this.config.WORKER_CONCURRENCY;
    // The worker's own (blocking) connection is a duplicate without our listener: logged as JSON
    // here, once per outage, instead of BullMQ's console.error.
    logRedisErrors(this.worker, this.logger, 'credentials-worker');
  }

  async onApplicationBootstrap(): Promise<void> {
    // Every replica upserts the same scheduler ids: one schedule per deployment.
    await keepScheduled(this.queue, this.logger, async () => {
      await this.queue.upsertJobScheduler(
        DEVICE_POLL_SWEEP_SCHEDULER_ID,
        { every: this.config.DEVICE_POLL_SWEEP_EVERY_MS },
        { name: JOBS.devicePollSweep, data: {}, opts: SCHEDULED },
      );
      await this.queue.upsertJobScheduler(
        SESSION_RECOVERY_SCHEDULER_ID,
        { every: this.config.SESSION_RECOVERY_EVERY_MS },
        { name: JOBS.sessionRecovery, data: {}, opts: SCHEDULED },
      );
      await this.queue.upsertJobScheduler(
        UPSTREAM_HEALTH_SCHEDULER_ID,
        { every: this.config.UPSTREAM_HEALTH_EVERY_MS },
        { name: JOBS.upstreamHealth, data: {}, opts: SCHEDULED },
      );
    });
  }

  async process(
    job: Job,
    token?: string,
  ): Promise<
    DevicePollOutcome['state'] | DevicePollSweepResult | RecoveryCounts | UpstreamHealthResult
  > {
    this.metrics.jobStarted(job);
    switch (job.name) {
      case JOBS.devicePoll:
        return this.devicePoll(job as Job<DevicePollPayload>, token);
      case JOBS.devicePollSweep: {
        const result = await this.sweep.execute();
        this.logger.info(result, 'device-poll sweep done');
        return result;
      }
      case JOBS.sessionRecovery:
        return this.sessionRecovery(job as Job<SessionRecoveryPayload>);
      case JOBS.upstreamHealth:
        return this.upstreamHealth.execute();
      default:
        throw new UnrecoverableError(`unknown job "${job.name}" on the credentials queue`);
    }
  }

  private async sessionRecovery(job: Job<SessionRecoveryPayload>): Promise<RecoveryCounts> {
    const { upstream } = job.data;
    if (upstream !== undefined && typeof upstream !== 'string') {
      throw new UnrecoverableError('session-recovery: upstream is not a name');
    }
    const trigger: RecoveryTrigger =
      upstream !== undefined
        ? 'upstream_restart'
        : job.id === SESSION_RECOVERY_JOB_ID
          ? 'gateway_start'
          : 'schedule';
    return this.recovery.execute({ trigger, ...(upstream === undefined ? {} : { upstream }) });
  }

  private async devicePoll(
    job: Job<DevicePollPayload>,
    token: string | undefined,
  ): Promise<DevicePollOutcome['state']> {
    const { pendingId } = job.data;
    const outcome = await this.poll.execute(pendingId);
    switch (outcome.state) {
      case 'pending':
        await job.moveToDelayed(Date.now() + outcome.retryAfterMs, token);
        throw new DelayedError();
      case 'failed':
        this.logger.warn(
          { pending_id: pendingId, reason: outcome.reason },
          'device authorization cannot go on',
        );
        throw new UnrecoverableError(`failed: ${outcome.reason}`);
      case 'connected':
      case 'denied':
      case 'expired':
      case 'gone':
        this.logger.info(
          { pending_id: pendingId, state: outcome.state },
          'device authorization finished',
        );
        return outcome.state;
    }
  }
}
