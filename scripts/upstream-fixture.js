#!/usr/bin/env node
// The test upstream MCP server (libs/testing/src/upstream-fixture) on its own, for the demo,
// docker-compose and manual runs. Serves both protocol generations at /mcp; does no auth.
//   npm run build && node scripts/upstream-fixture.js [port] [--host <host>] [--dns-rebinding-protection]
// Prints the MCP endpoint URL on stdout once listening; stops on SIGINT/SIGTERM.
const fs = require('node:fs');
const path = require('node:path');

const entry = path.join(__dirname, '..', 'dist', 'libs', 'testing', 'src', 'upstream-fixture', 'index.js');
if (!fs.existsSync(entry)) {
  console.error('upstream-fixture: dist/ is missing; run `npm run build` first.');
  process.exit(1);
}

function parseArgs(argv) {
  const options = { port: 0, host: '127.0.0.1', dnsRebindingProtection: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--host') {
      options.host = argv[++i];
    } else if (arg === '--dns-rebinding-protection') {
      options.dnsRebindingProtection = true;
    } else if (/^\d+$/.test(arg) && Number(arg) < 65536) {
      options.port = Number(arg);
    } else {
      console.error(`upstream-fixture: unknown argument ${arg}`);
      console.error('usage: node scripts/upstream-fixture.js [port] [--host <host>] [--dns-rebinding-protection]');
      process.exit(2);
    }
  }
  return options;
}

const { startUpstreamFixture } = require(entry);

startUpstreamFixture(parseArgs(process.argv.slice(2))).then(
  (fixture) => {
    process.stdout.write(`${fixture.url}\n`);
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.once(signal, () => {
        void fixture.close().finally(() => process.exit(0));
      });
    }
  },
  (error) => {
    console.error(`upstream-fixture: ${error.message}`);
    process.exit(1);
  },
);
