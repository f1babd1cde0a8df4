import type { RoundFigures } from './bench-variant';

/**
 * The goals, each a figure computed per round from two variants measured minutes apart
 * in the same round, then the median over rounds (a ratio of medians would mix rounds that ran
 * under different machine load). A goal without `limit` is context, printed without a verdict.
 */
export interface Goal {
  label: string;
  /** [numerator or subject, baseline]: the variant keys it needs. */
  variants: [string, string];
  figure: (subject: RoundFigures, baseline: RoundFigures) => number;
  unit: 'x' | 'ms';
  limit?: { op: '>=' | '<='; value: number };
}

const ratio = (pick: (r: RoundFigures) => number) => (a: RoundFigures, b: RoundFigures) =>
  pick(a) / pick(b);
const added = (pick: (r: RoundFigures) => number) => (a: RoundFigures, b: RoundFigures) =>
  pick(a) - pick(b);
const rps = (r: RoundFigures) => r.throughput.rps;
const cpu = (r: RoundFigures) => r.cpuUsPerRequest;

export const GOALS: readonly Goal[] = [
  {
    label: 'gateway / bare proxy throughput',
    variants: ['gw-key', 'bare'],
    figure: ratio(rps),
    unit: 'x',
    limit: { op: '>=', value: 0.6 },
  },
  {
    label: 'gateway / bare proxy CPU per request',
    variants: ['gw-key', 'bare'],
    figure: ratio(cpu),
    unit: 'x',
    limit: { op: '<=', value: 1.7 },
  },
  {
    label: 'gateway (JWT) / SDK peer throughput',
    variants: ['gw-jwt', 'sdk-peer'],
    figure: ratio(rps),
    unit: 'x',
    limit: { op: '>=', value: 1.5 },
  },
  {
    label: 'gateway added p50 at fixed rate vs direct',
    variants: ['gw-key', 'direct'],
    figure: added((r) => r.latency.p50Ms),
    unit: 'ms',
    limit: { op: '<=', value: 1 },
  },
  {
    label: 'gateway added p99 at fixed rate vs direct',
    variants: ['gw-key', 'direct'],
    figure: added((r) => r.latency.p99Ms),
    unit: 'ms',
    limit: { op: '<=', value: 3 },
  },
  {
    label: 'JWT (cached) / API key CPU per request',
    variants: ['gw-jwt', 'gw-key'],
    figure: ratio(cpu),
    unit: 'x',
    limit: { op: '<=', value: 1.2 },
  },
  {
    label: '10,000 / 10 policies throughput',
    variants: ['gw-key-10k', 'gw-key'],
    figure: ratio(rps),
    unit: 'x',
    limit: { op: '>=', value: 0.95 },
  },
  {
    label: 'gateway added initialize p50 vs direct',
    variants: ['gw-key', 'direct'],
    figure: added((r) => r.initialize.p50Ms),
    unit: 'ms',
    limit: { op: '<=', value: 2 },
  },
  // Context: where the peers stand, and what a cached credential costs.
  {
    label: 'credential cache hit / no credential throughput',
    variants: ['gw-cred', 'gw-key'],
    figure: ratio(rps),
    unit: 'x',
  },
  {
    label: 'gateway (JWT) / bare proxy throughput',
    variants: ['gw-jwt', 'bare'],
    figure: ratio(rps),
    unit: 'x',
  },
  {
    label: 'SDK peer / bare proxy throughput',
    variants: ['sdk-peer', 'bare'],
    figure: ratio(rps),
    unit: 'x',
  },
  {
    label: 'SDK peer / bare proxy CPU per request',
    variants: ['sdk-peer', 'bare'],
    figure: ratio(cpu),
    unit: 'x',
  },
  {
    label: 'bare proxy added p50 at fixed rate vs direct',
    variants: ['bare', 'direct'],
    figure: added((r) => r.latency.p50Ms),
    unit: 'ms',
  },
  {
    label: 'bare proxy added p99 at fixed rate vs direct',
    variants: ['bare', 'direct'],
    figure: added((r) => r.latency.p99Ms),
    unit: 'ms',
  },
  {
    label: 'SDK peer added p50 at fixed rate vs direct',
    variants: ['sdk-peer', 'direct'],
    figure: added((r) => r.latency.p50Ms),
    unit: 'ms',
  },
  {
    label: 'bare proxy added initialize p50 vs direct',
    variants: ['bare', 'direct'],
    figure: added((r) => r.initialize.p50Ms),
    unit: 'ms',
  },
];
