import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runToEnd } from './pinned-process';
import { MCP_HEADERS } from './workload';

/**
 * Closed-loop throughput with wrk, pinned to the load core: c connections, each sending its next
 * request as soon as the previous answer arrives (wrk2, the fixed-rate fork, is not packaged:
 * fixed-rate latency is fixed-rate-load.ts).
 */

export interface Target {
  url: string;
  /** Extra request headers (Authorization, Mcp-Session-Id). Never printed. */
  headers: Record<string, string>;
}

export interface ThroughputRun {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers plus socket errors: a run with any is not a valid measurement. */
  errors: number;
}

export interface LatencyRun {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

const WRK_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function wrkDuration(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  return match ? Number(match[1]) * (WRK_UNITS[match[2]] ?? NaN) : NaN;
}

/** Lua for wrk: a fixed POST with the workload's headers (a long-bracket string holds the body). */
function wrkScript(dir: string, name: string, body: string, target: Target): string {
  const headers = { ...MCP_HEADERS, ...target.headers };
  const file = path.join(dir, `${name}.lua`);
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = [==[${body}]==]`,
    ...Object.entries(headers).map(([k, v]) => `wrk.headers["${k}"] = [==[${v}]==]`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

export async function runWrk(
  options: { core: number; connections: number; seconds: number; scratchDir: string; name: string },
  body: string,
  target: Target,
): Promise<ThroughputRun> {
  const script = wrkScript(options.scratchDir, options.name, body, target);
  const out = await runToEnd(
    'taskset',
    [
      '-c',
      String(options.core),
      'wrk',
      '-t1',
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      '--latency',
      '--timeout',
      '5s',
      '-s',
      script,
      target.url,
    ],
    undefined,
    'wrk',
  );
  const requests = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const seconds = requests ? wrkDuration(`${requests[2]}${requests[3]}`) / 1000 : NaN;
  return {
    requests: requests ? Number(requests[1]) : 0,
    seconds,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50Ms: wrkDuration(/\s50%\s+(\S+)/.exec(out)?.[1]),
    p99Ms: wrkDuration(/\s99%\s+(\S+)/.exec(out)?.[1]),
    errors:
      (non2xx ? Number(non2xx[1]) : 0) +
      (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
  };
}
