#!/usr/bin/env node
// The MCP server-side conformance baseline (@modelcontextprotocol/conformance `server` command)
// against the upstream fixture (libs/testing/src/upstream-fixture, from dist/), once per
// requirement set (2025-11-25, then 2026-07-28):
//
//   npm run conformance:server [-- options]
//     --shim                 talk to the fixture through the credential shim (credential-shim.mjs)
//     --through <url>        talk through the shim to <url> instead (e.g. the gateway's
//                            /mcp/{upstream} route in front of the fixture); implies --shim
//     --authorization <v>    the Authorization value the shim sets (or CONFORMANCE_AUTHORIZATION);
//                            without one the shim sets a random Bearer value
//     --fixture-port <n>     start the fixture on port n (so a gateway can be configured for it)
//     --no-fixture           do not start the fixture (the --through endpoint brings its own)
//     --requirements <r>     only this requirement set
//     --output-dir <dir>     where the CLI's checks go (default .cache/conformance/results/…)
//
// Prints each run's summary and writes the passing and failing scenario names to
// .cache/conformance/server-<target>-<requirements>.json, target being `fixture` (direct), `shim`
// (shim → fixture) or `through` (shim → --through URL). Exits non-zero when a run itself fails
// (the CLI cannot start, is killed, or prints no summary), not when scenarios fail: the JSON files
// are the baseline to compare.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cleanUpOnSignals, cleanup, onCleanup } from './cleanup.mjs';
import { CACHE, eachLine, log, ROOT, stop } from './common.mjs';
import { startCredentialShim } from './credential-shim.mjs';
import { ensureTools } from './tools.mjs';

const REQUIREMENTS = ['2025-11-25', '2026-07-28'];
const FIXTURE_MAIN = path.join(ROOT, 'dist', 'libs', 'testing', 'src', 'upstream-fixture', 'index.js');
const RUN_TIMEOUT_MS = 15 * 60_000;

class UsageError extends Error {}

function parseArgs(argv) {
  const options = {
    shim: false,
    through: undefined,
    authorization: process.env.CONFORMANCE_AUTHORIZATION || undefined,
    fixturePort: 0,
    fixture: true,
    requirements: REQUIREMENTS,
    outputDir: undefined,
  };
  const value = (i, flag) => {
    const v = argv[i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(
        'Usage: node scripts/conformance/server.mjs [--shim] [--through <url>] [--authorization <value>]\n' +
          '         [--fixture-port <n>] [--no-fixture] [--requirements <r>] [--output-dir <dir>]\n' +
          '  Runs the MCP server conformance suite against the upstream fixture built in dist/\n' +
          '  (see the header of this file).\n',
      );
      process.exit(0);
    } else if (arg === '--shim') options.shim = true;
    else if (arg === '--through') {
      options.through = new URL(value(++i, arg)).href;
      options.shim = true;
    } else if (arg === '--authorization') options.authorization = value(++i, arg);
    else if (arg === '--fixture-port') options.fixturePort = Number(value(++i, arg));
    else if (arg === '--no-fixture') options.fixture = false;
    else if (arg === '--requirements') {
      const r = value(++i, arg);
      if (!REQUIREMENTS.includes(r)) throw new UsageError(`--requirements is one of ${REQUIREMENTS.join(', ')}`);
      options.requirements = [r];
    } else if (arg === '-o' || arg === '--output-dir') options.outputDir = value(++i, arg);
    else throw new UsageError(`unknown argument: ${arg} (try --help)`);
  }
  if (!options.fixture && options.through === undefined) {
    throw new UsageError('--no-fixture needs --through <url> (there is nothing else to test)');
  }
  return options;
}

/** Scenario names per outcome, read from the CLI's `=== SUMMARY ===` lines (✓ / ✗ name: …). */
function readSummary(lines) {
  const at = lines.findIndex((line) => line.includes('=== SUMMARY ==='));
  if (at < 0) return undefined;
  const passed = [];
  const failed = [];
  let total;
  for (const line of lines.slice(at + 1)) {
    const scenario = /^([✓✗]) ([^:\s]+): (\d+) passed, (\d+) failed/.exec(line.trim());
    if (scenario !== null) (scenario[1] === '✓' ? passed : failed).push(scenario[2]);
    const totals = /^Total: (\d+) passed, (\d+) failed/.exec(line.trim());
    if (totals !== null) total = { checksPassed: Number(totals[1]), checksFailed: Number(totals[2]) };
  }
  return { summary: lines.slice(at + 1).filter((line) => line.trim() !== ''), passed, failed, total };
}

async function runCli({ node, cli }, url, requirements, outputDir) {
  const args = [cli, 'server', '--url', url, '--requirements', requirements, '--output-dir', outputDir];
  log(`running: conformance server --url ${url} --requirements ${requirements}`);
  const child = spawn(node, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  onCleanup(() => stop(child, 2000));
  const lines = [];
  eachLine(child.stdout, (line) => lines.push(line));
  child.stderr.pipe(process.stderr);
  const timer = setTimeout(() => void stop(child, 2000), RUN_TIMEOUT_MS);
  const { code, signal } = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
  });
  clearTimeout(timer);
  return { code, signal, lines };
}

cleanUpOnSignals();

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.fixture && !existsSync(FIXTURE_MAIN)) {
    throw new UsageError(`${path.relative(ROOT, FIXTURE_MAIN)} is missing: run npm run build first`);
  }
  const outputDir = path.resolve(
    options.outputDir ?? path.join(CACHE, 'results', `server-${new Date().toISOString().replace(/[:.]/g, '-')}`),
  );
  mkdirSync(outputDir, { recursive: true });
  const tools = await ensureTools();

  let fixtureUrl;
  if (options.fixture) {
    const { startUpstreamFixture } = createRequire(import.meta.url)(FIXTURE_MAIN);
    // The dns-rebinding-protection scenario needs the Host/Origin check, which the fixture only
    // does when asked (behind the gateway it must not).
    const fixture = await startUpstreamFixture({ port: options.fixturePort, dnsRebindingProtection: true });
    onCleanup(() => fixture.close());
    fixtureUrl = fixture.url;
    log(`upstream fixture at ${fixtureUrl}`);
  }
  const target = options.through !== undefined ? 'through' : options.shim ? 'shim' : 'fixture';
  let url = fixtureUrl;
  if (options.shim) {
    const authorization = options.authorization ?? `Bearer conformance-${randomBytes(16).toString('hex')}`;
    const shim = await startCredentialShim({ upstream: options.through ?? fixtureUrl, authorization });
    onCleanup(() => shim.close());
    url = shim.url;
    log(`credential shim at ${url} → ${options.through ?? fixtureUrl} (Authorization set, value not shown)`);
  }

  let failedRuns = 0;
  for (const requirements of options.requirements) {
    const run = await runCli(tools, url, requirements, path.join(outputDir, requirements));
    const result = readSummary(run.lines);
    process.stdout.write(`\n=== conformance server: ${target}, requirements ${requirements} ===\n`);
    if (result === undefined) {
      failedRuns += 1;
      process.stdout.write(run.lines.slice(-20).join('\n') + '\n(the CLI printed no summary)\n');
      process.stdout.write(`exit: ${run.signal ?? run.code}\n`);
      continue;
    }
    process.stdout.write(result.summary.join('\n') + '\n');
    const file = path.join(CACHE, `server-${target}-${requirements}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          target,
          requirements,
          url,
          ...(options.through !== undefined ? { through: options.through } : {}),
          scenarios: result.passed.length + result.failed.length,
          passed: result.passed,
          failed: result.failed,
          ...result.total,
          cliExitCode: run.code,
          checks: path.join(outputDir, requirements),
        },
        null,
        2,
      ) + '\n',
    );
    process.stdout.write(
      `${result.passed.length}/${result.passed.length + result.failed.length} scenarios passed; ` +
        `written to ${path.relative(process.cwd(), file) || file}\n`,
    );
    if (run.signal !== null) failedRuns += 1;
  }
  return failedRuns === 0 ? 0 : 1;
}

main()
  .then(
    (code) => code,
    (error) => {
      process.stderr.write(
        `conformance:server: ${error instanceof UsageError ? error.message : (error.stack ?? error)}\n`,
      );
      return error instanceof UsageError ? 2 : 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
