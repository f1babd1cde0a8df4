/**
 * `npm run bench:refresh` (issue 10 §4): proactive token refresh throughput of the real workers
 * process (`dist/apps/workers/src/main.js`) against a strict-rotation mock token endpoint at 0,
 * 50 and 200 ms latency and WORKER_CONCURRENCY 1/10/50/100 — each cell over a fixed sample of due
 * connections, then 100,000 connections at 0 ms at the best concurrency. Its own database (created
 * and dropped) and its own redis-server (so Redis commands per job are the workers' alone).
 * A benchmark, not a test: it never fails on a missed goal, it says MISS.
 *
 *   npm run bench:refresh -- [--connections 100000] [--sample-seconds 15] [--pin] [--only 0x10] [--pool 20]
 *   (--pin: the workers on core 1, this process and its mock endpoint on core 0; taskset;
 *   --only <latency>x<concurrency>: one cell; BENCH_WORKERS_NODE_ARGS: node options
 *   for the workers, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile them)
 */
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { KeyRing, Vault } from '../../libs/crypto/src';
import { MockTokenEndpoint } from '../../libs/testing/src';
import { BenchDatabase } from './bench-database';
import { OwnRedis } from './own-redis';
import { type BenchContext, type CellResult, runCell } from './refresh-cell';
import { cellTable, goalLines } from './refresh-report';

const LATENCIES = [0, 50, 200];
const CONCURRENCIES = [1, 10, 50, 100];
const MAX_SAMPLE = 5000;
const log = (line: string) => process.stderr.write(`[bench:refresh] ${line}\n`);

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

/**
 * Jobs for a cell: about `seconds` of work at the ideal rate (concurrency / latency) — long enough
 * that the first and the last wave (ramp-up, the tail) do not weigh on the rate (15 s by default).
 */
function sampleSize(latencyMs: number, concurrency: number, seconds: number): number {
  if (latencyMs === 0) {
    return concurrency === 1 ? 1000 : MAX_SAMPLE;
  }
  const ideal = (concurrency * 1000) / latencyMs;
  return Math.min(MAX_SAMPLE, Math.max(50, Math.round(ideal * seconds)));
}

async function main(): Promise<void> {
  const connections = option('connections', 100_000);
  const sampleSeconds = option('sample-seconds', 15);
  const pin = process.argv.includes('--pin');
  if (pin) {
    execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
  }
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const vaultKeys = KeyRing.generateSpec('bench');
  const vault = new Vault(KeyRing.parse(vaultKeys));
  const mock = await new MockTokenEndpoint({ expiresIn: 3600 }).start();
  const redis = await OwnRedis.start();
  const db = await BenchDatabase.create(adminUrl);
  const adminDb = new URL(adminUrl);
  adminDb.pathname = '/postgres';
  const admin = new Client({ connectionString: adminDb.toString() });
  await admin.connect();
  const started = Date.now();
  try {
    const ctx: BenchContext = {
      db,
      admin,
      redis,
      mock,
      vault,
      vaultKeys,
      providerId: await db.seedProvider(vault, mock.url),
      clockTicks: Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()),
      // The workers' Postgres pool (WORKERS_DB_POOL_SIZE): unset, the workers' own default.
      env: option('pool', 0) > 0 ? { WORKERS_DB_POOL_SIZE: String(option('pool', 0)) } : {},
      nodeArgs: (process.env.BENCH_WORKERS_NODE_ARGS ?? '').split(' ').filter(Boolean),
      ...(pin ? { workersCore: 1 } : {}),
    };
    const cells: CellResult[] = [];
    const only = process.argv.includes('--only')
      ? process.argv[process.argv.indexOf('--only') + 1].split('x').map(Number)
      : undefined;
    for (const latency of only === undefined ? LATENCIES : [only[0]]) {
      for (const concurrency of only === undefined ? CONCURRENCIES : [only[1]]) {
        const jobs = sampleSize(latency, concurrency, sampleSeconds);
        const cell = await runCell(ctx, latency, concurrency, jobs);
        log(
          `${latency} ms × ${concurrency}: ${jobs} in ${cell.seconds.toFixed(2)} s = ${cell.perSecond.toFixed(0)}/s`,
        );
        cells.push(cell);
      }
    }
    const zero = cells.filter((c) => c.latencyMs === 0);
    const best = zero.reduce((a, c) => (c.perSecond > a.perSecond ? c : a), zero[0]);
    let full: CellResult | undefined;
    if (connections > 0 && best !== undefined) {
      log(`full run: ${connections} connections at 0 ms, concurrency ${best.concurrency}`);
      full = await runCell(ctx, 0, best.concurrency, connections);
    }
    const lines = [
      `bench:refresh — workers process, strict-rotation mock token endpoint, ${pin ? 'pinned (workers core 1, mock core 0)' : 'unpinned'}`,
      '',
      ...cellTable(full === undefined ? cells : [...cells, full]),
      '',
      ...(full === undefined
        ? []
        : [
            `wall time for all ${full.jobs} at 0 ms, concurrency ${full.concurrency}: ${full.seconds.toFixed(1)} s`,
            '',
          ]),
      ...goalLines(cells, full),
      '',
      `bench duration ${((Date.now() - started) / 1000).toFixed(0)} s`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await admin.end().catch(() => undefined);
    await db.drop();
    await redis.stop();
    await mock.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:refresh failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
