import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Timing helpers for the benchmarks: batch timing, percentiles, event-loop stalls. */

export const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
export const ms = (ns: bigint) => Number(ns) / 1e6;

/** Per-call µs for each batch of `batch` consecutive calls (timer read once per batch). */
export function timeBatches(
  names: readonly string[],
  batch: number,
  call: (name: string) => unknown,
): number[] {
  const perCall: number[] = [];
  for (let i = 0; i + batch <= names.length; i += batch) {
    const start = process.hrtime.bigint();
    for (let j = i; j < i + batch; j++) {
      call(names[j]);
    }
    perCall.push(Number(process.hrtime.bigint() - start) / 1e3 / batch);
  }
  return perCall;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export interface Latency {
  p50: number;
  p99: number;
  samples: number;
  batch: number;
}
export const latency = (perCall: number[], batch: number): Latency => ({
  p50: percentile(perCall, 50),
  p99: percentile(perCall, 99),
  samples: perCall.length,
  batch,
});

/** Longest event-loop delay (ms, 1 ms resolution) seen while `work` runs. */
export async function stallDuring(work: () => Promise<unknown> | unknown): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await new Promise((r) => setTimeout(r, 20));
  await work();
  await new Promise((r) => setTimeout(r, 20));
  h.disable();
  return h.max / 1e6;
}
