import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

let built: string | undefined;

/**
 * A build of this checkout (apps and libs, as `npm run build` makes it) in a scratch folder, once
 * per test file: what `node dist/apps/<app>/src/main.js` runs in the image.
 */
export function buildOnce(): string {
  if (built === undefined) {
    const scratch = mkdtempSync(join(tmpdir(), 'mcpgw-build-'));
    execFileSync(
      join(ROOT, 'node_modules', '.bin', 'swc'),
      ['apps', 'libs', '-d', join(scratch, 'dist'), '--config-file', '.swcrc', '-q'],
      { cwd: ROOT },
    );
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
    built = scratch;
  }
  return built;
}

/** Removes the scratch build (afterAll). */
export function removeBuild(): void {
  if (built !== undefined) {
    rmSync(built, { recursive: true, force: true });
    built = undefined;
  }
}

export interface AppProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (its JSON log lines). */
  output(): string;
  /** Sends the signal and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

/**
 * Starts `node dist/apps/<app>/src/main.js` from the build with `env` added to this process's
 * environment, and resolves once it printed `ready` (a log message, e.g. "gateway listening").
 */
export async function startAppProcess(
  app: 'gateway' | 'token-broker' | 'workers',
  env: Record<string, string>,
  ready: RegExp,
): Promise<AppProcess> {
  const root = buildOnce();
  const child = spawn(process.execPath, [join(root, 'dist', 'apps', app, 'src', 'main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${app} did not start:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited (${code}) before it was ready:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}
