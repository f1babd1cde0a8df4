import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Child processes of the benchmark, each pinned to one core with taskset (which execs the
 * command, so the child's pid is the measured process's pid).
 */

export interface PinnedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it wrote, for the message when it dies or fails to start. */
  output(): string;
}

const OUTPUT_LIMIT = 20_000;

export function spawnPinned(
  name: string,
  core: number,
  command: string,
  args: readonly string[],
  env?: Record<string, string>,
): PinnedProcess {
  const child = spawn('taskset', ['-c', String(core), command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(env === undefined ? {} : { env }),
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (child.pid === undefined) {
    throw new Error(`${name}: could not spawn taskset`);
  }
  return { name, child, pid: child.pid, output: () => output };
}

/** Resolves with the port a bench child prints as `{"listening":<port>}`. */
export function listeningPort(proc: PinnedProcess, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`${proc.name} did not start within ${timeoutMs} ms:\n${proc.output()}`)),
      timeoutMs,
    );
    let buffer = '';
    proc.child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const match = /\{"listening":(\d+)\}/.exec(buffer);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    proc.child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`${proc.name} exited (${signal ?? code}) before listening:\n${proc.output()}`),
      );
    });
  });
}

/** Polls `url` until it answers 200, failing early when the process exits. */
export async function waitForHttp(
  proc: PinnedProcess,
  url: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(
        `${proc.name} exited (${proc.child.signalCode ?? proc.child.exitCode}):\n${proc.output()}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000}s:\n${proc.output()}`);
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export function stopProcess(proc: PinnedProcess, graceMs = 5000): Promise<void> {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Runs a command to completion and returns its stdout; rejects with its stderr on failure. */
export function runToEnd(
  command: string,
  args: readonly string[],
  env?: Record<string, string>,
  /** Named in errors instead of the arguments, which may carry a credential. */
  label = command,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(env === undefined ? {} : { env }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) {
        resolve(Buffer.concat(out).toString('utf8'));
      } else {
        const stderr = Buffer.concat(err).toString('utf8').slice(-4000);
        reject(new Error(`${label} exited with ${signal ?? code}: ${stderr}`));
      }
    });
  });
}

/** CPU time (user + system, all threads) the process has used so far, in seconds. */
export function cpuSeconds(pid: number, clockTicksPerSecond: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start with the state (field 3);
  // utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

/** Busy time (everything but idle and iowait) of one core so far, in seconds (/proc/stat). */
export function coreBusySeconds(core: number, clockTicksPerSecond: number): number {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${core} `));
  if (line === undefined) {
    return NaN;
  }
  const [user, nice, system, , , irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + (steal ?? 0)) / clockTicksPerSecond;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
