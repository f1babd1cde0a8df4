import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { devicePollJobId, devicePollJobOptions, JOBS, QUEUES } from '@app/jobs';
import { DeviceAuthorizationStore } from '@app/provider-flows';

export interface DevicePollSweepResult {
  /** Authorizations still pending. */
  pending: number;
  /** Of those, polls queued again because their job was missing. */
  requeued: number;
  /** Of those, failed poll jobs (retries exhausted during an outage) given another go. */
  retried: number;
}

/**
 * The safety net of device-code polling: a pending authorization whose poll job is gone (Redis
 * restored from an older snapshot, the queue obliterated, the broker unable to reach the queue
 * after it saved the code) would otherwise never be polled, and the user's approval would be lost
 * until the code expired. One job per pending id (devicePollJobId), so queuing it again while it
 * lives is a no-op, and a job that failed for good during an outage is retried. Jobs that
 * finished are removed on completion, and their pending record with them.
 */
@Injectable()
export class DevicePollSweepUseCase {
  constructor(
    private readonly store: DeviceAuthorizationStore,
    @InjectQueue(QUEUES.credentials) private readonly queue: Queue,
  ) {}

  async execute(now = Date.now()): Promise<DevicePollSweepResult> {
    const ids = await this.store.pendingIds(now);
    let requeued = 0;
    let retried = 0;
    for (const pendingId of ids) {
      const jobId = devicePollJobId(pendingId);
      const state = await this.queue.getJobState(jobId);
      if (state === 'failed') {
        await (await this.queue.getJob(jobId))?.retry('failed');
        retried += 1;
      } else if (state === 'unknown') {
        const pending = await this.store.get(pendingId);
        if (pending !== null) {
          const payload = { pendingId };
          await this.queue.add(JOBS.devicePoll, payload, devicePollJobOptions(payload, 0));
          requeued += 1;
        }
      }
    }
    return { pending: ids.length, requeued, retried };
  }
}
