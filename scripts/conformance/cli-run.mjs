// The conformance CLI's `authorization` run: started against the broker, its authorization URL
// answered by the browser walk, its redirect delivered to its callback listener, its summary read.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { authorizeInBrowser } from './browser.mjs';
import { onCleanup } from './cleanup.mjs';
import { eachLine, log, ROOT, sleep, stop } from './common.mjs';

const AUTH_URL_MARKER = 'Access the following URL';

export async function runConformance({
  node,
  cli,
  issuer,
  clientId,
  callbackPort,
  outputDir,
  demoPassword,
}) {
  const redirectUri = `http://127.0.0.1:${callbackPort}/callback`;
  // `--name=value`: a client id may start with "-".
  const args = [
    cli,
    'authorization',
    `--url=${issuer}`,
    `--client-id=${clientId}`,
    `--port=${callbackPort}`,
    `--output-dir=${outputDir}`,
  ];
  log(
    `running: ${path.relative(ROOT, node)} ${path.relative(ROOT, cli)} ${args.slice(1).join(' ')}`,
  );
  const child = spawn(node, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  onCleanup(() => stop(child, 2000));
  const output = [];
  let browserError;
  let expectUrl = false;

  const onLine = (line) => {
    output.push(line);
    if (expectUrl && line.trim() !== '') {
      expectUrl = false;
      const url = line.trim();
      void (async () => {
        try {
          const redirect = await authorizeInBrowser(url, issuer, redirectUri, demoPassword);
          log(
            `delivering the redirect to the CLI: ${redirect.origin}${redirect.pathname}?${[...redirect.searchParams.keys()].join('&')}`,
          );
          const response = await deliver(redirect.href);
          if (response.status !== 200)
            throw new Error(`the CLI's callback answered ${response.status}`);
        } catch (error) {
          browserError = error;
          log(`browser walk failed: ${error.message}; stopping the CLI`);
          await stop(child, 2000);
        }
      })();
    }
    if (line.startsWith(AUTH_URL_MARKER)) expectUrl = true;
  };

  // Passed through first, so the CLI's line shows before anything the line sets off logs.
  child.stdout.on('data', (chunk) => process.stdout.write(chunk));
  eachLine(child.stdout, onLine);
  child.stderr.pipe(process.stderr);

  const code = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  return { code, output, browserError };
}

/** GETs the CLI's callback URL, retrying briefly in case its listener is not bound yet. */
async function deliver(url) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      await response.text();
      return response;
    } catch (error) {
      if (attempt >= 20)
        throw new Error(
          `cannot reach the CLI's callback listener: ${error.cause?.message ?? error.message}`,
        );
      await sleep(250);
    }
  }
}

/** checks.json files the CLI reported ("Results saved to <dir>"), or found under `outputDir`. */
function checksFiles(output, outputDir) {
  const reported = output
    .map((line) => /^Results saved to (.+)$/.exec(line.trim())?.[1])
    .filter((dir) => dir !== undefined)
    .map((dir) => path.resolve(ROOT, dir, 'checks.json'));
  if (reported.length > 0) return reported;
  if (!existsSync(outputDir)) return [];
  return readdirSync(outputDir)
    .map((dir) => path.join(outputDir, dir, 'checks.json'))
    .filter((file) => existsSync(file));
}

/** Prints the CLI's summary, where its checks went, and the exit code; returns that code. */
export function report(result, outputDir) {
  const summaryAt = result.output.findIndex((line) => line.includes('=== SUMMARY ==='));
  process.stdout.write('\n=== conformance (scripts/conformance.mjs) ===\n');
  if (summaryAt >= 0) {
    const summary = result.output.slice(summaryAt + 1).filter((line) => line.trim() !== '');
    process.stdout.write(summary.join('\n') + '\n');
  } else {
    process.stdout.write('(the CLI printed no summary)\n');
  }
  for (const file of checksFiles(result.output, outputDir)) {
    process.stdout.write(`checks: ${path.relative(process.cwd(), file) || file}\n`);
  }
  if (result.browserError !== undefined) {
    process.stdout.write(`browser walk failed: ${result.browserError.message}\n`);
  }
  const code = result.code !== 0 ? result.code : result.browserError !== undefined ? 1 : 0;
  process.stdout.write(`exit code: ${code}\n`);
  return code;
}
