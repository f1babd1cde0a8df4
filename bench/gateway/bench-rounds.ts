import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchOptions } from './bench-options';
import type { BenchVariant, RoundFigures } from './bench-variant';
import { runHeyAtRate, runHeySequential, runWrk } from './load-generators';
import { cpuSeconds } from './pinned-process';
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
  const callFile = path.join(scratchDir, 'tools-call.json');
  const initFile = path.join(scratchDir, 'initialize.json');
  writeFileSync(callFile, TOOLS_CALL_BODY);
  writeFileSync(initFile, INITIALIZE_BODY);
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
      const throughput = await runWrk(
        { ...load, seconds: options.seconds, name: variant.key },
        TOOLS_CALL_BODY,
        variant.target,
      );
      const cpu = cpuSeconds(variant.pid, clockTicks) - before;
      const latency = await runHeyAtRate(
        { ...load, seconds: options.latencySeconds, rate: options.rate, bodyFile: callFile },
        variant.target,
      );
      const initialize = await runHeySequential(
        { core: options.loadCore, count: options.initializeCount, bodyFile: initFile },
        { url: variant.target.url, headers: variant.credentialHeaders },
      );
      results.get(variant.key)?.push({
        round: round + 1,
        throughput,
        cpuUsPerRequest: throughput.requests > 0 ? (cpu * 1e6) / throughput.requests : NaN,
        latency,
        initialize,
      });
    }
  }
  return results;
}
