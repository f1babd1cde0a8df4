import type { LatencyRun, Target, ThroughputRun } from './load-generators';

/** One system under test as the rounds see it: where to send load and whose CPU to read. */
export interface BenchVariant {
  /** Short key (`--only`, JSON output, the goals). */
  key: string;
  label: string;
  /** The tools/call target: URL, credential and (after the probe) session headers. */
  target: Target;
  /** Credential headers only: every `initialize` starts a new session. */
  credentialHeaders: Record<string, string>;
  /** The process whose /proc/<pid>/stat CPU time is charged to the requests. */
  pid: number;
}

export interface RoundFigures {
  round: number;
  throughput: ThroughputRun;
  /** CPU time (user + system) of the measured process per completed request, µs. */
  cpuUsPerRequest: number;
  latency: LatencyRun;
  initialize: LatencyRun;
}
