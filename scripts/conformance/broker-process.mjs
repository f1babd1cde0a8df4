// The broker under test: a throw-away database and Redis prefix, migrations and the broker from
// dist/ on free loopback ports with the demo IdP, and a public client registered by DCR.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { onCleanup } from './cleanup.mjs';
import {
  BROKER_MAIN,
  eachLine,
  freePort,
  log,
  MIGRATE_MAIN,
  POSTGRES_URL,
  REDIS_URL,
  ROOT,
  run,
  sleep,
  stop,
} from './common.mjs';

const HEALTH_TIMEOUT_MS = 60_000;

const projectRequire = createRequire(path.join(ROOT, 'package.json'));

async function dropDatabase(name) {
  const { Client } = projectRequire('pg');
  const client = new Client({
    connectionString: `${POSTGRES_URL}/postgres`,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  log(`dropped database ${name}`);
}

async function deleteRedisKeys(prefix) {
  const Redis = projectRequire('ioredis');
  const redis = new (Redis.default ?? Redis)(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  await redis.connect();
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    if (deleted > 0) log(`deleted ${deleted} Redis keys under ${prefix}`);
  } finally {
    redis.disconnect();
  }
}

function secret() {
  return randomBytes(32).toString('base64url');
}

async function waitForHealth(issuer, broker) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (broker.exitCode !== null || broker.signalCode !== null) {
      throw new Error(
        `the broker exited (${broker.signalCode ?? broker.exitCode}) before it was healthy; see its output above`,
      );
    }
    try {
      const response = await fetch(`${issuer}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${issuer}/healthz did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000}s`);
}

/** Prefixes each line of a child's output stream and writes it to `target`. */
function prefixLines(stream, prefix, target) {
  eachLine(stream, (line) => target.write(`${prefix}${line}\n`));
}

/** `gatewayPublicUrl`: the gateway the tokens are for (its `aud`), when a gateway runs too. */
export async function startBroker({ gatewayPublicUrl = 'http://127.0.0.1:8080' } = {}) {
  const [brokerPort, adminPort, internalPort] = [await freePort(), await freePort(), await freePort()];
  const suffix = randomBytes(6).toString('hex');
  const database = `mcpgw_conformance_${suffix}`;
  const redisPrefix = `mcpgw-conformance-${suffix}:`;
  const issuer = `http://127.0.0.1:${brokerPort}`;
  const demoPassword = secret();
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: `${POSTGRES_URL}/${database}`,
    REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix,
    ADMIN_TOKEN: secret(),
    INTERNAL_API_TOKEN: secret(),
    VAULT_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    API_KEY_PEPPER: randomBytes(32).toString('base64'),
    BROKER_PUBLIC_URL: issuer,
    BROKER_HOST: '127.0.0.1',
    BROKER_PORT: String(brokerPort),
    ADMIN_HOST: '127.0.0.1',
    ADMIN_PORT: String(adminPort),
    INTERNAL_HOST: '127.0.0.1',
    INTERNAL_PORT: String(internalPort),
    GATEWAY_PUBLIC_URL: gatewayPublicUrl,
    DEMO_IDP_ENABLED: 'true',
    DEMO_IDP_PASSWORD: demoPassword,
  };
  // Whatever else the caller's environment says about the login IdP must not switch it off.
  for (const name of [
    'LOGIN_IDP_ISSUER',
    'LOGIN_IDP_KIND',
    'LOGIN_IDP_CLIENT_ID',
    'LOGIN_IDP_CLIENT_SECRET',
    'LOGIN_IDP_SCOPES',
  ]) {
    delete env[name];
  }

  onCleanup(() => deleteRedisKeys(redisPrefix));
  onCleanup(() => dropDatabase(database));
  log(`database ${database}: running migrations`);
  await run(process.execPath, [MIGRATE_MAIN], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  log(`starting the broker at ${issuer} (admin port ${adminPort})`);
  const broker = spawn(process.execPath, [BROKER_MAIN], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixLines(broker.stdout, '[broker] ', process.stderr);
  prefixLines(broker.stderr, '[broker] ', process.stderr);
  onCleanup(async () => {
    await stop(broker);
    log('broker stopped');
  });
  await waitForHealth(issuer, broker);
  return {
    issuer,
    demoPassword,
    broker,
    env,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    internalUrl: `http://127.0.0.1:${internalPort}`,
  };
}

export async function registerClient(issuer, redirectUri) {
  const response = await fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      client_name: 'MCP conformance',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status !== 201 || typeof body?.client_id !== 'string') {
    throw new Error(`client registration failed: ${response.status} ${text.slice(0, 500)}`);
  }
  return body.client_id;
}
