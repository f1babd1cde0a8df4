import { Queue } from 'bullmq';
import type { Client } from 'pg';
import type { Vault } from '../../libs/crypto/src';
import { DEFAULT_REFRESH_ATTEMPTS, JOBS, QUEUES, refreshJobOptions } from '../../libs/jobs/src';
import type { MockTokenEndpoint } from '../../libs/testing/src';
import type { BenchDatabase } from './bench-database';
import type { OwnRedis } from './own-redis';
import { liveCounters, pgCounters, untilBackendsGone } from './refresh-counters';
import { WorkersProcess } from './workers-process';

// Backends flush idle statistics after 10 s: the start counters wait for the workers' start-up work.
const PG_STATS_SETTLE_MS = 10_500;
const ADD_CHUNK = 5000;

export interface BenchContext {
  db: BenchDatabase;
  /** A connection to the `postgres` database, for pg_stat_* (not counted in the bench database). */
  admin: Client;
  redis: OwnRedis;
  mock: MockTokenEndpoint;
  vault: Vault;
  vaultKeys: string;
  providerId: string;
  clockTicks: number;
  /** Extra workers environment (e.g. WORKERS_DB_POOL_SIZE). */
  env: Record<string, string>;
  /** Node options for the workers process (e.g. --cpu-prof). */
  nodeArgs: string[];
  /** Core the workers process is pinned to (taskset), if any. */
  workersCore?: number;
}

export interface CellResult {
  latencyMs: number;
  concurrency: number;
  jobs: number;
  seconds: number;
  perSecond: number;
  duplicates: number;
  /** Provider calls beyond one per connection, plus jobs left failed. */
  retries: number;
  /** Connections not refreshed exactly once to the provider's latest refresh token. */
  lost: number;
  cpuMsPerJob: number;
  /** The whole machine's busy CPU per job (workers, Postgres, Redis, the mock, anything else). */
  machineCpuMsPerJob: number;
  pgXactsPerJob: number;
  pgUpdatedPerJob: number;
  pgFetchedPerJob: number;
  redisCommandsPerJob: number;
}

let cellNumber = 0;

/**
 * One (latency × concurrency) cell: a fresh workers process and queue prefix, `jobs` due
 * connections seeded and queued while the queue is paused, then resumed and timed until every
 * refresh is stored and no job is waiting or active.
 */
export async function runCell(
  ctx: BenchContext,
  latencyMs: number,
  concurrency: number,
  jobs: number,
): Promise<CellResult> {
  const prefix = `bench-refresh-${++cellNumber}:`;
  await ctx.db.truncateConnections();
  ctx.mock.options.latencyMs = latencyMs;
  const queue = new Queue(QUEUES.tokenRefresh, {
    prefix: `${prefix}bull`,
    connection: { url: ctx.redis.url },
  });
  const workers = await WorkersProcess.start(
    {
      DATABASE_URL: ctx.db.url,
      REDIS_URL: ctx.redis.url,
      REDIS_KEY_PREFIX: prefix,
      VAULT_KEYS: ctx.vaultKeys,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      WORKER_CONCURRENCY: String(concurrency),
      REFRESH_SWEEP_EVERY_MS: '86400000',
      CLEANUP_EVERY_MS: String(7 * 86_400_000),
      ...ctx.env,
    },
    ctx.nodeArgs,
    ctx.workersCore,
  );
  const settled = Date.now() + PG_STATS_SETTLE_MS;
  try {
    // The sweep runs once at start (on an empty table): let it finish before the jobs arrive.
    while ((await queue.getCompletedCount()) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await queue.pause();
    const ids = await ctx.db.seedConnections(ctx.vault, ctx.mock, ctx.providerId, jobs);
    for (let i = 0; i < ids.length; i += ADD_CHUNK) {
      await queue.addBulk(
        ids.slice(i, i + ADD_CHUNK).map((connectionId) => {
          const payload = { connectionId, generation: 0 };
          return {
            name: JOBS.tokenRefresh,
            data: payload,
            opts: {
              ...refreshJobOptions(payload, Date.now(), DEFAULT_REFRESH_ATTEMPTS),
              removeOnComplete: true,
            },
          };
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, settled - Date.now())));
    const pg0 = await pgCounters(ctx.admin, ctx.db.name);
    const live0 = await liveCounters(workers.pid, ctx.clockTicks, ctx.redis, ctx.mock);
    const t0 = performance.now();
    await queue.resume();
    while (
      ctx.mock.stats.refreshes + ctx.mock.stats.reuses - live0.refreshes - live0.reuses <
      jobs
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (;;) {
      const counts = await queue.getJobCounts('active', 'wait', 'prioritized');
      if (Object.values(counts).every((n) => n === 0)) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const seconds = (performance.now() - t0) / 1000;
    const live1 = await liveCounters(workers.pid, ctx.clockTicks, ctx.redis, ctx.mock);
    await workers.stop();
    await untilBackendsGone(ctx.admin, ctx.db.name);
    const pg1 = await pgCounters(ctx.admin, ctx.db.name);
    const failed = await queue.getFailedCount();
    const rotated = await ctx.db.countRotated(ctx.vault, ctx.mock);
    return {
      latencyMs,
      concurrency,
      jobs,
      seconds,
      perSecond: jobs / seconds,
      duplicates: live1.reuses - live0.reuses,
      retries: live1.providerCalls - live0.providerCalls - jobs + failed,
      lost: jobs - rotated.ok,
      cpuMsPerJob: ((live1.cpuS - live0.cpuS) * 1000) / jobs,
      machineCpuMsPerJob: ((live1.machineCpuS - live0.machineCpuS) * 1000) / jobs,
      pgXactsPerJob: (pg1.xactCommit - pg0.xactCommit) / jobs,
      pgUpdatedPerJob: (pg1.tupUpdated - pg0.tupUpdated) / jobs,
      pgFetchedPerJob: (pg1.tupFetched - pg0.tupFetched) / jobs,
      redisCommandsPerJob: (live1.redisCommands - live0.redisCommands) / jobs,
    };
  } catch (error) {
    process.stderr.write(`workers log:\n${workers.logTail()}\n`);
    throw error;
  } finally {
    await workers.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
