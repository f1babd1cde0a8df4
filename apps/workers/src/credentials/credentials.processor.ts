import { Inject, type OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import { type DevicePollPayload, JobProducer, JOBS, QUEUES } from '@app/jobs';
import { LOGGER } from '@app/observability';
import { logRedisErrors } from '@app/redis';
import { PollDeviceAuthorizationUseCase } from '@app/provider-flows';

/**
 * The `credentials` queue. Thin: each job name maps to one use case; payloads are ids only.
 * `device-poll`: one poll of a pending device authorization, re-queued while it is pending.
 */
@Processor(QUEUES.credentials)
export class CredentialsProcessor extends WorkerHost implements OnModuleInit {
  constructor(
    private readonly poll: PollDeviceAuthorizationUseCase,
    private readonly jobs: JobProducer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: WorkersConfig,
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

  async process(job: Job): Promise<string> {
    switch (job.name) {
      case JOBS.devicePoll:
        return this.devicePoll(job.data as DevicePollPayload);
      default:
        this.logger.warn({ job: job.name, id: job.id }, 'unknown job on the credentials queue');
        return 'ignored';
    }
  }

  private async devicePoll(payload: DevicePollPayload): Promise<string> {
    const outcome = await this.poll.execute(payload.pendingId);
    if (outcome.state === 'pending') {
      await this.jobs.enqueueDevicePoll(
        { pendingId: payload.pendingId, attempt: payload.attempt + 1 },
        outcome.retryAfterMs,
      );
    } else {
      this.logger.info(
        { pending_id: payload.pendingId, state: outcome.state, attempt: payload.attempt },
        'device authorization finished',
      );
    }
    return outcome.state;
  }
}
