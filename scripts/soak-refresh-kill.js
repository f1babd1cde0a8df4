#!/usr/bin/env node
// Soak of the refresh crash test (issue 10 §2): the same file as CI's
// test/e2e/workers-refresh-crash.e2e-spec.ts, with more SIGKILLs and connections.
//   node scripts/soak-refresh-kill.js [kills=200] [connections=500]
// Needs the machine's Postgres and Redis, like `npm test`; takes about 4 s per kill.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const [kills = '200', connections = '500'] = process.argv.slice(2);
const root = join(__dirname, '..');
const result = spawnSync(
  join(root, 'node_modules', '.bin', 'jest'),
  ['test/e2e/workers-refresh-crash.e2e-spec.ts'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SOAK_REFRESH_KILLS: kills, SOAK_REFRESH_CONNECTIONS: connections },
  },
);
process.exit(result.status ?? 1);
