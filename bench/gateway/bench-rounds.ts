import type { BenchOptions } from './bench-options';
import type { BenchVariant, RoundFigures } from './bench-variant';
import { runAtFixedRate, runSequential } from './fixed-rate-load';
import { runWrk } from './load-generators';
import { coreBusySeconds, cpuSeconds } from './pinned-process';
import { INITIALIZE_BODY, TOOLS_CALL_BODY } from './workload';

/**
 * Interleaved rounds: every round measures every variant once, starting one variant further
 * along each time, so drift on a shared machine (other processes, thermal, GC of a long-lived
 * process) falls on all variants alike instead of on whichever ran last.
 */
export async function runRounds(
  variants: readonly BenchVariant[],
  options: BenchOptions,
  scratchDir: string,
  clockTicks: number,
  log: (line: string) => void,
): Promise<Map<string, RoundFigures[]>> {
  const results = new Map<string, RoundFigures[]>(variants.map((v) => [v.key, []]));
  const load = { core: options.loadCore, connections: options.connections, scratchDir };
  for (let round = 0; round < options.rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const variant of order) {
      log(`round ${round + 1}/${options.rounds}: ${variant.key}`);
      if (options.warmupSeconds > 0) {
        await runWrk(
          { ...load, seconds: options.warmupSeconds, name: variant.key },
          TOOLS_CALL_BODY,
          variant.target,
        );
      }
      const before = cpuSeconds(variant.pid, clockTicks);
      const coreBefore = coreBusySeconds(options.sutCore, clockTicks);
      const throughput = await runWrk(
        { ...load, seconds: options.seconds, name: variant.key },
        TOOLS_CALL_BODY,
        variant.target,
      );
      const cpu = cpuSeconds(variant.pid, clockTicks) - before;
      const coreBusy = coreBusySeconds(options.sutCore, clockTicks) - coreBefore;
      const latencyStart = performance.now();
      const latencyCpuBefore = cpuSeconds(variant.pid, clockTicks);
      const latencyCoreBefore = coreBusySeconds(options.sutCore, clockTicks);
      const latency = await runAtFixedRate(
        { connections: options.connections, seconds: options.latencySeconds, rate: options.rate },
        variant.target,
        TOOLS_CALL_BODY,
      );
      const latencyForeign =
        coreBusySeconds(options.sutCore, clockTicks) -
        latencyCoreBefore -
        (cpuSeconds(variant.pid, clockTicks) - latencyCpuBefore);
      const latencySeconds = (performance.now() - latencyStart) / 1000;
      const initialize = await runSequential(
        options.initializeCount,
        { url: variant.target.url, headers: variant.credentialHeaders },
        INITIALIZE_BODY,
      );
      results.get(variant.key)?.push({
        round: round + 1,
        throughput,
        cpuUsPerRequest: throughput.requests > 0 ? (cpu * 1e6) / throughput.requests : NaN,
        sutCoreShare: cpu / throughput.seconds,
        // Direct: the measured process (the upstream) shares the load core with wrk, whose share
        // is not known, so nothing is said about others there.
        foreignCoreShare:
          variant.core === options.sutCore
            ? Math.max(0, (coreBusy - cpu) / throughput.seconds)
            : NaN,
        latency,
        latencyForeignCoreShare:
          variant.core === options.sutCore ? Math.max(0, latencyForeign / latencySeconds) : NaN,
        initialize,
      });
    }
  }
  return results;
}
