import { readFileSync } from 'node:fs';
import type { Client } from 'pg';
import { cpuSeconds } from '../gateway/pinned-process';
import type { MockTokenEndpoint } from '../../libs/testing/src';
import type { OwnRedis } from './own-redis';

/** Postgres activity of the bench database (pg_stat_database: no pg_stat_statements here). */
export interface PgCounters {
  xactCommit: number;
  tupFetched: number;
  tupUpdated: number;
}

export async function pgCounters(admin: Client, database: string): Promise<PgCounters> {
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query<{ c: string; f: string; u: string }>(
    `SELECT xact_commit AS c, tup_fetched AS f, tup_updated AS u
       FROM pg_stat_database WHERE datname = $1`,
    [database],
  );
  return {
    xactCommit: Number(rows[0].c),
    tupFetched: Number(rows[0].f),
    tupUpdated: Number(rows[0].u),
  };
}

/**
 * Backends flush their statistics at most once a second while busy, ten seconds after they go idle,
 * and when they exit: the counters are read once the workers' backends are gone.
 */
export async function untilBackendsGone(admin: Client, database: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'workers'`,
      [database],
    );
    if (rows[0].n === '0') {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the workers process left Postgres backends behind');
}

/** Counters read around the measured part of a cell (the workers process's CPU, Redis, the mock). */
export interface LiveCounters {
  cpuS: number;
  /** CPU time of the whole machine (every process and core: Postgres, Redis, the mock too). */
  machineCpuS: number;
  redisCommands: number;
  providerCalls: number;
  refreshes: number;
  reuses: number;
}

export async function liveCounters(
  pid: number,
  clockTicks: number,
  redis: OwnRedis,
  mock: MockTokenEndpoint,
): Promise<LiveCounters> {
  const s = mock.stats;
  return {
    cpuS: cpuSeconds(pid, clockTicks),
    machineCpuS: machineCpuSeconds(clockTicks),
    redisCommands: await redis.commands(),
    providerCalls: s.refreshes + s.reuses + s.injectedErrors + s.unknown,
    refreshes: s.refreshes,
    reuses: s.reuses,
  };
}

/** Busy CPU seconds of all cores since boot (/proc/stat: user, nice, system, irq, softirq, steal). */
function machineCpuSeconds(clockTicks: number): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return (user + nice + system + irq + softirq + steal) / clockTicks;
}
