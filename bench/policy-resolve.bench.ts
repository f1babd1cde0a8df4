/**
 * Policy resolution benchmark: compile time, resolve latency of the compiled
 * index against the naive reference (and a linear scan over precompiled
 * matchers), and event-loop stalls while compiling asynchronously.
 *
 * Run: compile with swc, then `node --expose-gc dist/bench/policy-resolve.bench.js`.
 * Every loop is bounded; sets and names come from a fixed seed.
 */
import { Minimatch } from 'minimatch';
import {
  CompiledPolicySet,
  MATCH_OPTIONS,
  naiveResolve,
  validatePolicy,
  type Policy,
} from '../libs/policy-engine/src';
import {
  gc,
  latency,
  ms,
  percentile,
  stallDuring,
  timeBatches,
  type Latency,
} from './bench-timing';
import { makePolicies, makeToolNames } from './policy-bench.fixtures';

const SIZES = [10, 1_000, 10_000];
const BATCH = 100;
const COLD_NAMES = 20_000;
const WARM_NAMES = 1_000;
const WARM_ROUNDS = 20;
const COMPILE_RUNS = 5;
const GOALS = { compileMs: 250, warmP99Us: 2, stallMs: 50, hostileMs: 50 };
const OPTS = { version: 1, defaultDecision: 'deny' as const };

type Engine = { label: string; fresh: () => (name: string) => unknown; calls: number };

/** Cold: a fresh engine and never-seen names. Warm: a primed engine and a small repeated name set. */
function measure(engine: Engine, hits: string[], misses: string[]) {
  const batch = Math.max(1, Math.min(BATCH, Math.floor(engine.calls / 20)));
  const run = (names: string[], warm: boolean): Latency => {
    gc();
    const resolve = engine.fresh();
    if (!warm) {
      return latency(timeBatches(names.slice(0, engine.calls), batch, resolve), batch);
    }
    const base = names.slice(0, Math.min(WARM_NAMES, engine.calls));
    base.forEach(resolve);
    const repeated: string[] = [];
    for (let r = 0; r < WARM_ROUNDS && repeated.length < engine.calls * 2; r++) {
      repeated.push(...base);
    }
    return latency(timeBatches(repeated, batch, resolve), batch);
  };
  return {
    coldHit: run(hits, false),
    coldMiss: run(misses, false),
    warmHit: run(hits, true),
    warmMiss: run(misses, true),
  };
}

function compileMedianMs(policies: Policy[]): number {
  const runs: number[] = [];
  for (let r = 0; r < COMPILE_RUNS; r++) {
    gc();
    const start = process.hrtime.bigint();
    CompiledPolicySet.compile(policies, OPTS);
    runs.push(ms(process.hrtime.bigint() - start));
  }
  return percentile(runs, 50);
}

function engines(policies: Policy[]): Engine[] {
  const n = policies.length;
  const linear = () => {
    const matchers = policies
      .filter((p) => p.enabled)
      .map((p) => ({ p, mm: new Minimatch(p.match_pattern, MATCH_OPTIONS) }));
    return (name: string) =>
      matchers.filter((m) => m.mm.match(name)).sort((a, b) => b.p.priority - a.p.priority);
  };
  return [
    {
      label: 'indexed',
      fresh: () => {
        const set = CompiledPolicySet.compile(policies, OPTS);
        return (name) => set.resolve(name);
      },
      calls: COLD_NAMES,
    },
    {
      label: 'naive',
      fresh: () => (name) => naiveResolve(policies, name, OPTS),
      calls: Math.max(20, Math.min(COLD_NAMES, Math.floor(200_000 / n))),
    },
    {
      label: 'linear*',
      fresh: linear,
      calls: Math.max(100, Math.min(COLD_NAMES, Math.floor(2_000_000 / n))),
    },
  ];
}

const fmt = (l: Latency) => `${l.p50.toFixed(3).padStart(9)} ${l.p99.toFixed(3).padStart(9)}`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/** Worst validation time over hostile patterns (all must be rejected), and for the costliest accepted one. */
function validationTimes(): {
  rejectedMs: number;
  allRejected: boolean;
  acceptedAtLimitsMs: number;
} {
  const hostile = [
    '{'.repeat(30) + 'a,b' + '}'.repeat(30),
    '{a,b}'.repeat(40),
    '{1..100000}',
    '{1..99999999999999999999}',
    'a'.repeat(1_000_000),
    '*a'.repeat(500) + 'b',
    '+(a|aa)'.repeat(50),
    '{a},b}'.repeat(80),
  ];
  const timed = (match_pattern: string) => {
    const start = process.hrtime.bigint();
    const result = validatePolicy({
      name: 'h',
      match_pattern,
      priority: 1,
      auth_method: { type: 'none' },
    });
    return { ms: ms(process.hrtime.bigint() - start), ok: result.ok };
  };
  timed('warmup.*');
  const runs = hostile.map(timed);
  return {
    rejectedMs: Math.max(...runs.map((r) => r.ms)),
    allRejected: runs.every((r) => !r.ok),
    acceptedAtLimitsMs: timed(`${'{a,b}'.repeat(8)}${'*'.repeat(32)}`).ms,
  };
}

async function main(): Promise<void> {
  console.log(
    `policy-resolve bench — node ${process.version}${(globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for steadier figures)'}`,
  );
  console.log(
    `Per-call times: each batch of up to ${BATCH} consecutive calls is timed with process.hrtime.bigint() and divided by its size;`,
  );
  console.log(
    'p50/p99 are over those batch means (samples x batch shown). cold = fresh set, never-seen names; warm = repeated names.',
  );
  console.log(
    'hit = tool under a configured upstream; miss = unknown upstream (only the catch-all patterns match).',
  );
  console.log(
    'linear* = a linear scan over precompiled Minimatch objects (context only; not the reference).\n',
  );
  const header =
    'policies | engine  |   cold hit p50/p99 µs |  cold miss p50/p99 µs |   warm hit p50/p99 µs |  warm miss p50/p99 µs | samples x batch';
  const rows: string[] = [];
  const summary: { n: number; compileMs: number; stats: string; ratios: string }[] = [];
  let warmP99At10k = NaN;
  let compileAt10k = NaN;
  for (const n of SIZES) {
    const { policies, upstreams } = makePolicies(n, 42 + n);
    const hits = makeToolNames(COLD_NAMES, upstreams, true, 7 + n);
    const misses = makeToolNames(COLD_NAMES, upstreams, false, 9 + n);
    const compileMs = compileMedianMs(policies);
    const results = engines(policies).map((e) => {
      process.stderr.write(`  measuring ${e.label} on ${n} policies...\n`);
      return { e, r: measure(e, hits, misses) };
    });
    for (const { e, r } of results) {
      rows.push(
        `${String(n).padStart(8)} | ${e.label.padEnd(7)} | ${fmt(r.coldHit)} | ${fmt(r.coldMiss)} | ${fmt(r.warmHit)} | ${fmt(r.warmMiss)} | ${r.coldHit.samples}x${r.coldHit.batch}`,
      );
    }
    const [indexed, naive] = results.map((x) => x.r);
    const ratio = (a: Latency, b: Latency) => `${(a.p50 / b.p50).toFixed(0)}x`;
    summary.push({
      n,
      compileMs,
      stats: JSON.stringify(CompiledPolicySet.compile(policies, OPTS).indexStats),
      ratios: `cold hit ${ratio(naive.coldHit, indexed.coldHit)}, cold miss ${ratio(naive.coldMiss, indexed.coldMiss)}, warm hit ${ratio(naive.warmHit, indexed.warmHit)}, warm miss ${ratio(naive.warmMiss, indexed.warmMiss)}`,
    });
    if (n === 10_000) {
      warmP99At10k = Math.max(indexed.warmHit.p99, indexed.warmMiss.p99);
      compileAt10k = compileMs;
    }
  }
  console.log(
    'policies | compile ms (median of 5) | index slots (enabled policies)           | naive/indexed p50 ratio',
  );
  for (const s of summary) {
    console.log(
      `${String(s.n).padStart(8)} | ${s.compileMs.toFixed(2).padStart(24)} | ${s.stats.padEnd(41)} | ${s.ratios}`,
    );
  }
  console.log(`\n${header}\n${rows.join('\n')}\n`);

  const big = makePolicies(10_000, 52_042).policies;
  const asyncStall = await stallDuring(() => CompiledPolicySet.compileAsync(big, OPTS));
  let syncMs = NaN;
  const syncStall = await stallDuring(() => {
    const start = process.hrtime.bigint();
    CompiledPolicySet.compile(big, OPTS);
    syncMs = ms(process.hrtime.bigint() - start);
  });
  console.log(
    `event-loop delay max while compiling 10k policies: compileAsync ${asyncStall.toFixed(1)} ms, compile (sync, for contrast; took ${syncMs.toFixed(1)} ms) ${syncStall.toFixed(1)} ms`,
  );
  const validation = validationTimes();
  console.log(
    `validating the costliest pattern within the limits ({a,b}x8 then 32 '*'): ${validation.acceptedAtLimitsMs.toFixed(2)} ms`,
  );
  console.log('\nGoals');
  console.log(
    `  compile 10k policies <= ${GOALS.compileMs} ms             : ${compileAt10k.toFixed(1)} ms  ${verdict(compileAt10k <= GOALS.compileMs)}`,
  );
  console.log(
    `  warm resolve p99 <= ${GOALS.warmP99Us} us (10k, hit+miss) : ${warmP99At10k.toFixed(3)} us  ${verdict(warmP99At10k <= GOALS.warmP99Us)}`,
  );
  console.log(
    `  no stall > ${GOALS.stallMs} ms during compileAsync(10k)  : ${asyncStall.toFixed(1)} ms  ${verdict(asyncStall <= GOALS.stallMs)}`,
  );
  console.log(
    `  hostile patterns rejected in < ${GOALS.hostileMs} ms      : ${validation.rejectedMs.toFixed(2)} ms  ${verdict(validation.allRejected && validation.rejectedMs < GOALS.hostileMs)}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
