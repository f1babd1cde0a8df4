import { Queue } from 'bullmq';
import DataLoader from 'dataloader';
import Redis from 'ioredis';
import pino, { type Logger } from 'pino';
import { logRedisErrors } from '@app/redis';
import {
  type DevicePollPayload,
  devicePollJobId,
  JOBS,
  QUEUES,
  refreshJobId,
  SESSION_RECOVERY_JOB_ID,
  type SessionRecoveryPayload,
  type TokenRefreshPayload,
  upstreamRecoveryJobId,
} from './job-catalog';

/** Attempts of one refresh job before it is dead-lettered (the workers' REFRESH_ATTEMPTS). */
export const DEFAULT_REFRESH_ATTEMPTS = 8;

interface RefreshAdd {
  payload: TokenRefreshPayload;
  runAt: number;
  attempts: number;
}

/**
 * Enqueues jobs for the workers. Gateway and broker use it without importing the workers app.
 * Fails fast: a job that cannot be queued is an error for the caller, not a silent retry.
 */
export class JobProducer {
  private readonly credentials: Queue;
  private readonly refresh: Queue;
  private readonly connection: Redis;
  /**
   * The refreshes queued by concurrent callers go to Redis as one `addBulk` (one round trip for up
   * to 100 jobs, gathered until the loop's next turn): each refresh queues its next generation.
   */
  private readonly refreshAdds = new DataLoader<RefreshAdd, void>(
    async (adds) => {
      await this.refresh.addBulk(
        adds.map(({ payload, runAt, attempts }) => ({
          name: JOBS.tokenRefresh,
          data: payload,
          opts: refreshJobOptions(payload, runAt, attempts),
        })),
      );
      return adds.map(() => undefined);
    },
    { cache: false, maxBatchSize: 100, batchScheduleFn: (run) => setImmediate(run) },
  );

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
    this.refresh = new Queue(QUEUES.tokenRefresh, {
      prefix: `${keyPrefix}bull`,
      connection: this.connection,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: { age: 7 * 86_400 } },
    });
    logRedisErrors(this.connection, logger, 'job-producer');
    // BullMQ re-emits its connection's errors on the queue: logged above already.
    this.credentials.on('error', () => undefined);
    this.refresh.on('error', () => undefined);
  }

  /**
   * Queues the refresh of one connection generation to run at `runAt` (epoch ms). Queued twice,
   * it is one job (the id is the dedupe key). Transient failures retry with exponential backoff
   * and jitter; after the last attempt the job stays failed (the dead-letter view) for 7 days.
   */
  async scheduleRefresh(
    payload: TokenRefreshPayload,
    runAt: number,
    attempts = DEFAULT_REFRESH_ATTEMPTS,
  ): Promise<void> {
    await this.refreshAdds.load({ payload, runAt, attempts });
  }

  /**
   * Queues the polling of a pending device authorization, first poll after `delayMs`. A no-op
   * while its job exists (one job per authorization: see devicePollJobId).
   */
  async enqueueDevicePoll(payload: DevicePollPayload, delayMs: number): Promise<void> {
    await this.credentials.add(JOBS.devicePoll, payload, devicePollJobOptions(payload, delayMs));
  }

  /**
   * Asks the workers to recover live gateway sessions now (a gateway start). Replicas starting
   * together queue one job; a run already waiting absorbs the others.
   */
  async requestSessionRecovery(): Promise<void> {
    await this.credentials.add(
      JOBS.sessionRecovery,
      {},
      { jobId: SESSION_RECOVERY_JOB_ID, removeOnComplete: true, removeOnFail: true, attempts: 3 },
    );
  }

  /**
   * Asks the workers to recover the live sessions bound to one upstream (it answers again after
   * failing its health checks). One job per upstream while it waits or runs.
   */
  async requestUpstreamRecovery(upstream: string): Promise<void> {
    const payload: SessionRecoveryPayload = { upstream };
    await this.credentials.add(JOBS.sessionRecovery, payload, {
      jobId: upstreamRecoveryJobId(upstream),
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 3,
    });
  }

  /** The queue itself, for tests and health checks. */
  get credentialsQueue(): Queue {
    return this.credentials;
  }

  /** The token-refresh queue, for the dead-letter view and tests. */
  get refreshQueue(): Queue {
    return this.refresh;
  }

  async close(): Promise<void> {
    await this.credentials.close();
    await this.refresh.close();
    // A connection we passed in is ours to close, not BullMQ's.
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

/** The options of a device-poll job, the same for the broker and the workers' sweep. */
export function devicePollJobOptions(payload: DevicePollPayload, delayMs: number) {
  return {
    jobId: devicePollJobId(payload.pendingId),
    delay: Math.max(0, delayMs),
    // A finished authorization has nothing left to look at; a failed job stays (the sweep retries it).
    removeOnComplete: true,
    // Polls are steps of one job (moveToDelayed), not attempts: attempts count only thrown
    // failures (Postgres or Redis down under the poll), retried no sooner than 5 s apart.
    attempts: 5,
    backoff: { type: 'exponential' as const, delay: 5000 },
  };
}

/** The options of a refresh job, the same for every producer (the sweep queues in bulk with them). */
export function refreshJobOptions(payload: TokenRefreshPayload, runAt: number, attempts: number) {
  return {
    jobId: refreshJobId(payload),
    delay: Math.max(0, runAt - Date.now()),
    attempts,
    backoff: { type: 'exponential' as const, delay: 2000, jitter: 0.5 },
    // In the options, not only the queue's defaults: the sweep adds in bulk on the workers' own
    // queue, which has none. A failed job stays a week: the dead-letter view, and the dedupe that
    // keeps the sweep from re-queuing it meanwhile.
    removeOnComplete: true,
    removeOnFail: { age: 7 * 86_400 },
  };
}
