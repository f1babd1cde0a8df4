#!/usr/bin/env node
// Before `jest`: checks that the Postgres and Redis the integration tests use are reachable and
// that the browser tests have a Chromium (unpacking the one `npm ci` brought, once, before Jest's
// workers start), and says so in one line instead of a stack trace from deep inside a test.
const net = require('node:net');

const targets = [
  {
    name: 'PostgreSQL',
    url: process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    defaultPort: 5432,
    start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  },
  {
    name: 'Redis',
    url: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
    defaultPort: 6379,
    start: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  },
];

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

(async () => {
  let failed = false;
  for (const target of targets) {
    const url = new URL(target.url);
    const host = url.hostname || '127.0.0.1';
    const port = Number(url.port || target.defaultPort);
    if (!(await reachable(host, port))) {
      failed = true;
      console.error(`npm test: ${target.name} is not reachable at ${host}:${port}; start it with: ${target.start}`);
    }
  }
  // The consent and connect page tests drive a real browser.
  try {
    const { resolveChromium } = await import('./chromium-path.mjs');
    await resolveChromium();
  } catch (error) {
    failed = true;
    console.error(`npm test: no Chromium for the browser tests (${error.message}); run npm ci (it brings @sparticuz/chromium) or set CHROMIUM_PATH`);
  }
  process.exit(failed ? 1 : 0);
})();
