import 'reflect-metadata';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { KeyRing, Vault } from '@app/crypto';
import { JobProducer, JOBS, QUEUES } from '@app/jobs';
import { buildDataSourceOptions } from '@app/persistence';
import { MockTokenEndpoint, type MockTokenEndpointOptions, within } from '@app/testing';
import { type AppProcess, removeBuild, startAppProcess } from './gateway-process';
import { seedConnections, seedRefreshProvider } from './refresh-fixture';
import { checkRefreshRows, type RefreshRow, type RefreshVerdict } from './refresh-invariants';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from './test-database';

/** A free TCP port on loopback (for a worker's health listener, a redis-server, a proxy). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * What the workers' failure tests (issue 10 §2) share: a database of their own, a strict-rotation
 * mock provider in this process, real `workers` processes started from the build, and a view of
 * the token-refresh queue and of the connection rows.
 */
export class RefreshWorkersRig {
  readonly mock: MockTokenEndpoint;
  readonly prefix = testRedisPrefix();
  readonly vaultKeys = KeyRing.generateSpec('k1');
  readonly vault = new Vault(KeyRing.parse(this.vaultKeys));
  database!: TestDatabase;
  ds!: DataSource;
  queue!: Queue;
  producer!: JobProducer;
  providerId!: string;
  ids: string[] = [];
  private readonly workers = new Set<AppProcess>();
  private closed = false;

  constructor(
    mockOptions: MockTokenEndpointOptions,
    /** Redis the workers and this rig use (a test may give its own redis-server). */
    public redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  ) {
    this.mock = new MockTokenEndpoint(mockOptions);
  }

  async start(): Promise<this> {
    this.database = await createTestDatabase();
    this.ds = await new DataSource(
      buildDataSourceOptions(this.database.url, { poolSize: 2 }),
    ).initialize();
    await this.mock.start();
    this.providerId = await seedRefreshProvider(this.ds, this.vault, this.mock.url);
    this.queue = new Queue(QUEUES.tokenRefresh, {
      prefix: `${this.prefix}bull`,
      connection: { url: this.redisUrl, maxRetriesPerRequest: null },
    });
    this.queue.on('error', () => undefined);
    this.producer = new JobProducer(this.redisUrl, this.prefix);
    return this;
  }

  /**
   * `count` connections whose access token expired a moment ago (a minute-long token: the lead
   * is half of it, so every refresh is due now), queued by this test too, as the broker would.
   */
  async seedDue(count: number): Promise<string[]> {
    const now = Date.now();
    const ids = await seedConnections(
      this.ds,
      this.vault,
      this.providerId,
      count,
      (id) => this.mock.issue(id),
      { issuedAt: new Date(now - 60_000), expiresAt: new Date(now + 1000) },
    );
    this.ids.push(...ids);
    return ids;
  }

  /** A `workers` process on this rig's database and Redis; `env` overrides the defaults. */
  async startWorker(env: Record<string, string> = {}): Promise<AppProcess> {
    const worker = await startAppProcess(
      'workers',
      {
        DATABASE_URL: this.database.url,
        REDIS_URL: this.redisUrl,
        REDIS_KEY_PREFIX: this.prefix,
        VAULT_KEYS: this.vaultKeys,
        LOG_LEVEL: 'info',
        WORKERS_HOST: '127.0.0.1',
        WORKERS_PORT: String(await freePort()),
        REFRESH_LEASE_MS: '11000',
        REFRESH_SWEEP_EVERY_MS: '2000',
        WORKER_CONCURRENCY: '20',
        // The machine's one Postgres (max_connections 100) serves every suite running beside this
        // one (71 connections measured at the peak of a full run): 8, not the default 20.
        WORKERS_DB_POOL_SIZE: '8',
        SHUTDOWN_TIMEOUT_MS: '8000',
        ...env,
      },
      /workers listening/,
    );
    this.workers.add(worker);
    if (this.closed) {
      // A test that timed out went on starting processes after afterAll.
      await worker.stop('SIGKILL');
      throw new Error('the rig is closed');
    }
    worker.child.once('exit', () => this.workers.delete(worker));
    return worker;
  }

  /** Refresh jobs that are waiting, running, or delayed to run within `horizonMs`. */
  async backlog(horizonMs = 60_000): Promise<number> {
    const counts = await this.queue.getJobCounts('wait', 'active', 'prioritized');
    const delayed = await this.queue.getDelayed();
    const soon = delayed.filter(
      (job) =>
        job.name === JOBS.tokenRefresh && job.timestamp + (job.delay ?? 0) < Date.now() + horizonMs,
    );
    return counts.wait + counts.active + counts.prioritized + soon.length;
  }

  /** Active connections never refreshed yet (a cheap poll). */
  async unrefreshed(): Promise<number> {
    const [row] = (await this.ds.query(
      `SELECT count(*)::int AS n FROM connections
        WHERE provider_id = $1 AND status = 'active' AND last_refreshed_at IS NULL`,
      [this.providerId],
    )) as { n: number }[];
    return row.n;
  }

  /**
   * Connections not settled yet: leased, or active with a token expiring within 10 minutes (the
   * tests switch the mock to hour-long tokens before they wait for this).
   */
  async unsettled(): Promise<number> {
    const [row] = (await this.ds.query(
      `SELECT count(*)::int AS n FROM connections
        WHERE provider_id = $1 AND (refresh_lease_until > now()
           OR (status = 'active' AND expires_at < now() + interval '10 minutes'))`,
      [this.providerId],
    )) as { n: number }[];
    return row.n;
  }

  /** Every seeded connection as stored now. */
  async rows(): Promise<RefreshRow[]> {
    return (await this.ds.query(
      `SELECT id, provider_id, status, refresh_token_sealed, refresh_generation,
              refresh_lease_token, refresh_lease_until, last_refresh_error, last_refreshed_at
         FROM connections WHERE provider_id = $1 ORDER BY id`,
      [this.providerId],
    )) as RefreshRow[];
  }

  /**
   * Waits for `check` like `within`; on timeout the error says what was left: the queue's counts,
   * the failed jobs' reasons, the connections never refreshed and the workers' last lines.
   */
  async until(ms: number, check: () => Promise<boolean>): Promise<void> {
    try {
      await within(ms, check);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await this.diagnosis()}`, { cause: error });
    }
  }

  private async diagnosis(): Promise<string> {
    const counts = await this.queue.getJobCounts();
    const failed = (await this.queue.getFailed(0, 9)).map((job) => `${job.id}: ${job.failedReason}`);
    const stuck = (await this.ds.query(
      `SELECT id, refresh_generation, refresh_lease_until, refresh_failures, last_refresh_error, expires_at
         FROM connections
        WHERE provider_id = $1 AND status = 'active' AND last_refreshed_at IS NULL
        ORDER BY id LIMIT 5`,
      [this.providerId],
    )) as Record<string, unknown>[];
    const jobs = await Promise.all(
      stuck.map(async (row) => {
        const id = `refresh_${row.id as string}_${row.refresh_generation as number}`;
        const job = await this.queue.getJob(id);
        return `${id}: ${job ? await job.getState() : 'no job'}`;
      }),
    );
    const tails = [...this.workers].map((worker) => worker.output().slice(-2000));
    return [
      `queue: ${JSON.stringify(counts)}`,
      `failed: ${JSON.stringify(failed)}`,
      `never refreshed: ${JSON.stringify(stuck)}`,
      `their jobs: ${JSON.stringify(jobs)}`,
      ...tails.map((tail, i) => `worker ${i}:\n${tail}`),
    ].join('\n');
  }

  async verdict(): Promise<RefreshVerdict> {
    return checkRefreshRows(await this.rows(), this.ids, this.vault, this.mock);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.workers].map((worker) => worker.stop('SIGKILL')));
    await this.queue.obliterate({ force: true }).catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    await this.producer.close().catch(() => undefined);
    await this.mock.stop();
    await this.ds.destroy();
    await this.database.drop();
    removeBuild();
  }
}
