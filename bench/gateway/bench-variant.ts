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
  /** The core that process is pinned to. */
  core: number;
}

export interface RoundFigures {
  round: number;
  throughput: ThroughputRun;
  /** CPU time (user + system) of the measured process per completed request, µs. */
  cpuUsPerRequest: number;
  /** Share of its core the measured process used during the wrk run (1 = the whole core). */
  sutCoreShare: number;
  /** Share of the SUT core other processes used meanwhile (above a few % the run was disturbed); NaN off the SUT core. */
  foreignCoreShare: number;
  latency: LatencyRun;
  /** The same share during the fixed-rate run. */
  latencyForeignCoreShare: number;
  initialize: LatencyRun;
}
