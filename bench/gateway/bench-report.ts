import { percentile } from '../bench-timing';
import type { BenchOptions } from './bench-options';
import type { BenchVariant, RoundFigures } from './bench-variant';
import { GOALS, type Goal } from './bench-goals';

/** The table (medians over rounds, throughput range) and the goals with PASS/MISS. */

const median = (values: number[]) => percentile(values, 50);
const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const pct = (shares: number[]) => {
  const share = median(shares);
  return Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : 'n/a';
};
const hasErrors = (r: RoundFigures) =>
  r.throughput.errors + r.latency.errors + r.initialize.errors > 0;

export function variantTable(
  variants: readonly BenchVariant[],
  results: Map<string, RoundFigures[]>,
  options: BenchOptions,
): string[] {
  const lines = [
    `variant     | req/s c=${options.connections} median (min-max) | p50 / p99 ms | CPU µs/req | core use / others | @${options.rate}/s: req/s  p50 / p99 ms | initialize p50 / p99 ms | errors | what`,
  ];
  for (const v of variants) {
    const rounds = results.get(v.key) ?? [];
    const m = (pick: (r: RoundFigures) => number, digits = 2) =>
      f(median(rounds.map(pick)), digits);
    const all = rounds.map((r) => r.throughput.rps);
    const errors = rounds.reduce(
      (sum, r) => sum + r.throughput.errors + r.latency.errors + r.initialize.errors,
      0,
    );
    lines.push(
      [
        v.key.padEnd(11),
        `${m((r) => r.throughput.rps, 0).padStart(8)} (${f(Math.min(...all), 0)}-${f(Math.max(...all), 0)})`.padEnd(
          30,
        ),
        `${m((r) => r.throughput.p50Ms)} / ${m((r) => r.throughput.p99Ms)}`.padEnd(12),
        m((r) => r.cpuUsPerRequest, 1).padStart(10),
        `${pct(rounds.map((r) => r.sutCoreShare))} / ${pct(rounds.map((r) => r.foreignCoreShare))}`.padEnd(
          17,
        ),
        `${m((r) => r.latency.rps, 0).padStart(11)}  ${m((r) => r.latency.p50Ms)} / ${m((r) => r.latency.p99Ms)}`.padEnd(
          32,
        ),
        `${m((r) => r.initialize.p50Ms)} / ${m((r) => r.initialize.p99Ms)}`.padEnd(23),
        String(errors).padStart(6),
        v.label,
      ].join(' | '),
    );
  }
  return lines;
}

function evaluate(goal: Goal, results: Map<string, RoundFigures[]>, off: Map<string, string>) {
  const [subjectKey, baselineKey] = goal.variants;
  const missing = goal.variants.find((k) => !results.has(k));
  if (missing !== undefined) {
    return {
      value: 'n/a',
      verdict: `n/a (${missing} ${off.has(missing) ? 'off, see above' : 'not measured'})`,
    };
  }
  const subject = results.get(subjectKey) ?? [];
  const baseline = results.get(baselineKey) ?? [];
  const perRound = subject.map((s, i) => goal.figure(s, baseline[i]));
  const value = median(perRound);
  const shown = `${f(value)}${goal.unit === 'x' ? 'x' : ' ms'} (rounds ${perRound.map((v) => f(v)).join(', ')})`;
  if ([...subject, ...baseline].some(hasErrors)) {
    return { value: shown, verdict: 'INVALID (error answers in a run)' };
  }
  if (goal.limit === undefined) {
    return { value: shown, verdict: '' };
  }
  const ok = goal.limit.op === '>=' ? value >= goal.limit.value : value <= goal.limit.value;
  const target = `${goal.limit.op} ${goal.limit.value}${goal.unit === 'x' ? 'x' : ' ms'}`;
  return { value: shown, verdict: `${ok ? 'PASS' : 'MISS'} (goal ${target})` };
}

export function goalLines(
  results: Map<string, RoundFigures[]>,
  off: Map<string, string>,
): string[] {
  return GOALS.map((goal) => {
    const { value, verdict } = evaluate(goal, results, off);
    const label = `${goal.limit === undefined ? '(context) ' : ''}${goal.label}`;
    return `  ${label.padEnd(58)} ${value.padEnd(40)} ${verdict}`;
  });
}

const DISTURBED_SHARE = 0.1;

/** Says which runs shared the SUT core with other processes: their throughput and latency are not clean. */
export function disturbanceLines(
  variants: readonly BenchVariant[],
  results: Map<string, RoundFigures[]>,
): string[] {
  const disturbed = variants.flatMap((v) =>
    (results.get(v.key) ?? []).flatMap((r) =>
      [
        { run: 'wrk', share: r.foreignCoreShare },
        { run: 'fixed-rate', share: r.latencyForeignCoreShare },
      ]
        .filter((x) => x.share > DISTURBED_SHARE)
        .map((x) => `${v.key} r${r.round} ${x.run} ${f(x.share * 100, 0)}%`),
    ),
  );
  return disturbed.length === 0
    ? []
    : [
        `warning: other processes used more than ${DISTURBED_SHARE * 100}% of the SUT core during: ${disturbed.join(', ')}.`,
        '  Throughput and latency of those runs are lower than the code allows; CPU per request is not affected much.',
        '  Run again on an idle machine for figures to compare with the goals.',
      ];
}
