#!/usr/bin/env node
// The MCP server conformance suite through the gateway: `npm run conformance:gateway`.
//
// Starts a throw-away broker (database, migrations, demo IdP), the upstream fixture, and the
// gateway from dist/ in front of it (localhost mode: it checks Host and Origin itself), registers
// the fixture as upstream `fixture` with one open policy (`fixture.*` → none), and runs
// scripts/conformance/server.mjs twice per requirement set: directly against a fixture (the
// baseline) and through the gateway's /mcp/fixture route.
//
// The conformance runner sends no credential, so it talks to the gateway through the credential
// shim (scripts/conformance/credential-shim.mjs), which adds `Authorization: Bearer <jwt>` and leaves
// every other header — Host and Origin included — as the runner sent it. The JWT comes from a small
// local issuer this script runs and configures as a trusted issuer (GATEWAY_TRUSTED_ISSUERS): the
// same verification path as the broker's tokens, without a browser login in CI.
//
// Exits 0 when, for each requirement set, the scenarios passing through the gateway are exactly
// those passing directly; prints both lists otherwise and exits 1.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { startBroker } from './broker-process.mjs';
import { cleanUpOnSignals, cleanup, onCleanup } from './cleanup.mjs';
import { CACHE, eachLine, freePort, log, ROOT, sleep, stop } from './common.mjs';

const projectRequire = createRequire(path.join(ROOT, 'package.json'));
const GATEWAY_MAIN = path.join(ROOT, 'dist', 'apps', 'gateway', 'src', 'main.js');
const FIXTURE_MAIN = path.join(ROOT, 'dist', 'libs', 'testing', 'src', 'upstream-fixture', 'index.js');
const REQUIREMENTS = ['2025-11-25', '2026-07-28'];

async function startIssuer() {
  const { exportJWK, generateKeyPair, SignJWT } = projectRequire('jose');
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'conformance', alg: 'ES256', use: 'sig' };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(() => resolve())));
  const issuer = 'https://conformance-issuer.invalid';
  return {
    issuer,
    jwksUri: `http://127.0.0.1:${server.address().port}/jwks`,
    sign: (audience) =>
      new SignJWT({ scope: 'mcp:tools:read mcp:tools:execute mcp:resources:read mcp:prompts:read' })
        .setProtectedHeader({ alg: 'ES256', kid: 'conformance' })
        .setIssuer(issuer)
        .setSubject('conformance-runner')
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(privateKey),
  };
}

async function admin(adminUrl, token, method, pathname, body) {
  const response = await fetch(`${adminUrl}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status >= 300) {
    throw new Error(`${method} ${pathname}: ${response.status} ${(await response.text()).slice(0, 300)}`);
  }
}

async function waitFor(url, child, name) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the ${name} exited before it was ready; see its output above`);
    }
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).status === 200) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer 200 within 60s`);
}

function runServerSuite(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'conformance', 'server.mjs'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    onCleanup(() => stop(child, 2000));
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
}

const readPassSet = (target, requirements) =>
  JSON.parse(readFileSync(path.join(CACHE, `server-${target}-${requirements}.json`), 'utf8'));

cleanUpOnSignals();

async function main() {
  const gatewayPort = await freePort();
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const broker = await startBroker({ gatewayPublicUrl: gatewayUrl });
  const { startUpstreamFixture } = createRequire(import.meta.url)(FIXTURE_MAIN);
  const fixture = await startUpstreamFixture();
  onCleanup(() => fixture.close());
  const issuer = await startIssuer();

  await admin(broker.adminUrl, broker.env.ADMIN_TOKEN, 'POST', '/admin/v1/upstreams', { name: 'fixture', url: fixture.url });
  await admin(broker.adminUrl, broker.env.ADMIN_TOKEN, 'PUT', '/admin/v1/policies', {
    auth_policies: [{ name: 'conformance: fixture open', match_pattern: 'fixture.*', priority: 10, auth_method: { type: 'none' } }],
  });

  log(`starting the gateway at ${gatewayUrl}`);
  const gateway = spawn(process.execPath, [GATEWAY_MAIN], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...broker.env,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_PUBLIC_URL: gatewayUrl,
      BROKER_INTERNAL_URL: broker.internalUrl,
      GATEWAY_TRUSTED_ISSUERS: JSON.stringify([{ issuer: issuer.issuer, jwks_uri: issuer.jwksUri }]),
    },
  });
  eachLine(gateway.stdout, (line) => process.stderr.write(`[gateway] ${line}\n`));
  eachLine(gateway.stderr, (line) => process.stderr.write(`[gateway] ${line}\n`));
  onCleanup(() => stop(gateway));
  await waitFor(`${gatewayUrl}/readyz`, gateway, 'gateway');

  const route = `${gatewayUrl}/mcp/fixture`;
  const authorization = `Bearer ${await issuer.sign(route)}`;
  let failed = 0;
  for (const requirements of REQUIREMENTS) {
    const direct = await runServerSuite(['--requirements', requirements]);
    const through = await runServerSuite(['--requirements', requirements, '--through', route, '--no-fixture', '--authorization', authorization]);
    if (direct !== 0 || through !== 0) {
      failed += 1;
      continue;
    }
    const baseline = readPassSet('fixture', requirements);
    const gated = readPassSet('through', requirements);
    const lost = baseline.passed.filter((name) => !gated.passed.includes(name));
    const gained = gated.passed.filter((name) => !baseline.passed.includes(name));
    process.stdout.write(
      `\n=== ${requirements}: direct ${baseline.passed.length}/${baseline.scenarios}, through the gateway ${gated.passed.length}/${gated.scenarios} ===\n`,
    );
    if (lost.length > 0 || gained.length > 0) {
      failed += 1;
      process.stdout.write(`pass sets differ — lost through the gateway: ${lost.join(', ') || 'none'}; gained: ${gained.join(', ') || 'none'}\n`);
    } else {
      process.stdout.write('pass sets are equal\n');
    }
  }
  return failed === 0 ? 0 : 1;
}

main()
  .then(
    (code) => code,
    (error) => {
      process.stderr.write(`conformance:gateway: ${error.stack ?? error}\n`);
      return 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
