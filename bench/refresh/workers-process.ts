import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './own-redis';

const MAIN = path.join(__dirname, '..', '..', 'apps', 'workers', 'src', 'main.js');
const OUTPUT_LIMIT = 20_000;

/** `node dist/apps/workers/src/main.js`, the process `npm start` runs, optionally on one core. */
export class WorkersProcess {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(
    env: Record<string, string>,
    nodeArgs: string[],
    core?: number,
  ): Promise<WorkersProcess> {
    const port = await freePort();
    const node = [...nodeArgs, MAIN];
    const command = core === undefined ? process.execPath : 'taskset';
    const args = core === undefined ? node : ['-c', String(core), process.execPath, ...node];
    const child = spawn(command, args, {
      // taskset execs node: the pid is the measured process's.
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        WORKERS_PORT: String(port),
        WORKERS_HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const workers = new WorkersProcess(child, port);
    await workers.untilHealthy();
    return workers;
  }

  private async untilHealthy(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `workers exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.output}`,
        );
      }
      const ok = await fetch(`http://127.0.0.1:${this.port}/healthz`, {
        signal: AbortSignal.timeout(1000),
      })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`workers did not answer /healthz within 30 s:\n${this.output}`);
  }

  /** SIGTERM (graceful: in-flight jobs finish), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    this.child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
  }

  /** The process's log tail: the workers log at `warn`, so anything here is worth a look. */
  logTail(): string {
    return this.output;
  }
}
