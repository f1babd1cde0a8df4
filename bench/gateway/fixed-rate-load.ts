import { Pool } from 'undici';
import { percentile } from '../bench-timing';
import type { LatencyRun, Target } from './load-generators';
import { MCP_HEADERS } from './workload';

/**
 * Latency at a fixed rate, in this (load-core) process, with undici: request i is due at
 * start + i / rate, and a 1 ms timer sends whatever is due, so the load is spread evenly — hey's
 * `-q` starts every worker's ticker at once and sends its c requests in one burst per period,
 * which measures burst queueing, not added latency. Latency is from the moment a request is
 * handed to the pool (a request waiting for a free connection counts) to the last body byte.
 */

const TICK_MS = 1;

async function timedRequest(
  pool: Pool,
  path: string,
  headers: Record<string, string>,
  body: string,
) {
  const start = process.hrtime.bigint();
  try {
    const answer = await pool.request({ method: 'POST', path, headers, body });
    await answer.body.arrayBuffer();
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, ok: answer.statusCode === 200 };
  } catch {
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, ok: false };
  }
}

function summarise(samples: Array<{ ms: number; ok: boolean }>, seconds: number): LatencyRun {
  const times = samples.map((s) => s.ms);
  return {
    requests: samples.length,
    rps: samples.length / seconds,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    errors: samples.filter((s) => !s.ok).length,
  };
}

export async function runAtFixedRate(
  options: { connections: number; seconds: number; rate: number },
  target: Target,
  body: string,
): Promise<LatencyRun> {
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections: options.connections });
  const headers = { ...MCP_HEADERS, ...target.headers };
  const total = Math.round(options.rate * options.seconds);
  const pending: Array<Promise<{ ms: number; ok: boolean }>> = [];
  const start = performance.now();
  try {
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(
          total,
          Math.floor(((performance.now() - start) / 1000) * options.rate) + 1,
        );
        while (pending.length < due) {
          pending.push(timedRequest(pool, url.pathname, headers, body));
        }
        if (pending.length < total) {
          setTimeout(tick, TICK_MS);
        } else {
          resolve();
        }
      };
      tick();
    });
    const samples = await Promise.all(pending);
    return summarise(samples, (performance.now() - start) / 1000);
  } finally {
    await pool.close();
  }
}

/** `count` requests one after another on one kept-alive connection. */
export async function runSequential(
  count: number,
  target: Target,
  body: string,
): Promise<LatencyRun> {
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections: 1 });
  const headers = { ...MCP_HEADERS, ...target.headers };
  const samples: Array<{ ms: number; ok: boolean }> = [];
  const start = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      samples.push(await timedRequest(pool, url.pathname, headers, body));
    }
    return summarise(samples, (performance.now() - start) / 1000);
  } finally {
    await pool.close();
  }
}
