#!/usr/bin/env node
// Runs the MCP authorization-server conformance suite (@modelcontextprotocol/conformance,
// `authorization` command) against a real token broker, non-interactively:
//
//   npm run build && node scripts/conformance.mjs [--output-dir <dir>]
//
// 1. installs Node 22 (npm package `node`) and the conformance CLI into .cache/conformance/
//    (the CLI needs Node >= 22; the project runs on Node 20), once;
// 2. creates a throw-away database, runs the migrations from dist/, starts the broker from dist/
//    on free loopback ports with the demo IdP, and waits for /healthz;
// 3. registers a public client by dynamic client registration;
// 4. runs the CLI and, when it prints the authorization URL, plays the browser over HTTP (consent
//    "allow", demo IdP login) and delivers the redirect to the CLI's callback listener;
// 5. stops the broker, drops the database and the run's Redis keys (also on failure or Ctrl-C),
//    and exits with the CLI's exit code.
//
// Needs PostgreSQL (trust auth, CREATEDB) and Redis on loopback; override with
// CONFORMANCE_POSTGRES_URL (server URL, no database) and CONFORMANCE_REDIS_URL.
//
// The steps live in scripts/conformance/: tools.mjs (1), broker-process.mjs (2, 3), cli-run.mjs
// and browser.mjs (4), cleanup.mjs (5).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { registerClient, startBroker } from './conformance/broker-process.mjs';
import { cleanUpOnSignals, cleanup } from './conformance/cleanup.mjs';
import { report, runConformance } from './conformance/cli-run.mjs';
import { BROKER_MAIN, CACHE, freePort, log, MIGRATE_MAIN, ROOT } from './conformance/common.mjs';
import { ensureTools } from './conformance/tools.mjs';

class UsageError extends Error {}

function parseArgs(argv) {
  const options = { outputDir: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(
        'Usage: node scripts/conformance.mjs [--output-dir <dir>]\n' +
          '  Runs the MCP authorization-server conformance suite against the broker built in dist/.\n' +
          '  Results default to .cache/conformance/results/<timestamp>/.\n',
      );
      process.exit(0);
    } else if (arg === '-o' || arg === '--output-dir') {
      options.outputDir = argv[++i];
      if (options.outputDir === undefined) throw new UsageError(`${arg} needs a directory`);
    } else {
      throw new UsageError(`unknown argument: ${arg} (try --help)`);
    }
  }
  return options;
}

cleanUpOnSignals();

async function main() {
  const options = parseArgs(process.argv.slice(2));
  for (const file of [BROKER_MAIN, MIGRATE_MAIN]) {
    if (!existsSync(file)) {
      throw new UsageError(`${path.relative(ROOT, file)} is missing: run npm run build first`);
    }
  }
  const outputDir = path.resolve(
    options.outputDir ??
      path.join(CACHE, 'results', new Date().toISOString().replace(/[:.]/g, '-')),
  );
  mkdirSync(outputDir, { recursive: true });

  const tools = await ensureTools();
  const { issuer, demoPassword } = await startBroker();
  const callbackPort = await freePort();
  const clientId = await registerClient(issuer, `http://127.0.0.1:${callbackPort}/callback`);
  log(`registered public client ${clientId}`);

  const result = await runConformance({
    ...tools,
    issuer,
    clientId,
    callbackPort,
    outputDir,
    demoPassword,
  });
  await cleanup();
  return report(result, outputDir);
}

main()
  .then(
    (code) => code,
    async (error) => {
      process.stderr.write(
        `conformance: ${error instanceof UsageError ? error.message : (error.stack ?? error)}\n`,
      );
      return error instanceof UsageError ? 2 : 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
