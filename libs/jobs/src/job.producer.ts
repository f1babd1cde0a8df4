import { Queue } from 'bullmq';
import Redis from 'ioredis';
import pino, { type Logger } from 'pino';
import { logRedisErrors } from '@app/redis';
import { type DevicePollPayload, devicePollJobId, JOBS, QUEUES } from './job-catalog';

/**
 * Enqueues jobs for the workers. Gateway and broker use it without importing the workers app.
 * Fails fast: a job that cannot be queued is an error for the caller, not a silent retry.
 */
export class JobProducer {
  private readonly credentials: Queue;
  private readonly connection: Redis;

  constructor(redisUrl: string, keyPrefix: string, logger: Logger = pino({ level: 'silent' })) {
    // ioredis parses the URL (user, password, db, TLS, IPv6) exactly as the rest of the app does.
    this.connection = new Redis(redisUrl, {
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      commandTimeout: 5000,
    });
    this.credentials = new Queue(QUEUES.credentials, {
      prefix: `${keyPrefix}bull`,
      connection: this.connection,
      defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
    });
    logRedisErrors(this.connection, logger, 'job-producer');
    // BullMQ re-emits its connection's errors on the queue: logged above already.
    this.credentials.on('error', () => undefined);
  }

  async enqueueDevicePoll(payload: DevicePollPayload, delayMs: number): Promise<void> {
    await this.credentials.add(JOBS.devicePoll, payload, {
      jobId: devicePollJobId(payload.pendingId, payload.attempt),
      delay: delayMs,
      attempts: 3,
      // A failed attempt never retries sooner than the provider's polling interval.
      backoff: { type: 'fixed', delay: Math.max(delayMs, 1000) },
    });
  }

  /** The queue itself, for tests and health checks. */
  get credentialsQueue(): Queue {
    return this.credentials;
  }

  async close(): Promise<void> {
    await this.credentials.close();
    // A connection we passed in is ours to close, not BullMQ's.
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
