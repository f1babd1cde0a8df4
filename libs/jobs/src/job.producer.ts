import { Queue } from 'bullmq';
import { type DevicePollPayload, devicePollJobId, JOBS, QUEUES } from './job-catalog';

/**
 * Enqueues jobs for the workers. Gateway and broker use it without importing the workers app.
 * Fails fast: a job that cannot be queued is an error for the caller, not a silent retry.
 */
export class JobProducer {
  private readonly credentials: Queue;

  constructor(redisUrl: string, keyPrefix: string) {
    const url = new URL(redisUrl);
    this.credentials = new Queue(QUEUES.credentials, {
      prefix: `${keyPrefix}bull`,
      connection: {
        host: url.hostname,
        port: Number(url.port || 6379),
        username: url.username || undefined,
        password: url.password ? decodeURIComponent(url.password) : undefined,
        db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
        tls: url.protocol === 'rediss:' ? {} : undefined,
        maxRetriesPerRequest: 1,
        connectTimeout: 5000,
      },
      defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
    });
  }

  async enqueueDevicePoll(payload: DevicePollPayload, delayMs: number): Promise<void> {
    await this.credentials.add(JOBS.devicePoll, payload, {
      jobId: devicePollJobId(payload.pendingId, payload.attempt),
      delay: delayMs,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
    });
  }

  /** The queue itself, for tests and health checks. */
  get credentialsQueue(): Queue {
    return this.credentials;
  }

  async close(): Promise<void> {
    await this.credentials.close();
  }
}
