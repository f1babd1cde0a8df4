#!/usr/bin/env node
// `npm run demo`: the whole gateway on this machine with a demo identity provider, so a newcomer
// can log in without any external account. Needs the local Postgres and Redis (see README).
//   - secrets are generated once and kept in .demo-secrets.json (git-ignored), so restarts can
//     still open what the vault sealed;
//   - the database is mcp_gateway_demo (created by the migration if missing);
//   - the broker mounts the demo IdP under /demo-idp: user `demo`, password `demo`
//     (DEMO_IDP_PASSWORD to change it). Never for production: the broker refuses it there.
const { randomBytes } = require('node:crypto');
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const secretsFile = process.env.DEMO_SECRETS_FILE ?? path.join(root, '.demo-secrets.json');
if (!fs.existsSync(path.join(root, 'dist', 'apps', 'token-broker', 'src', 'main.js'))) {
  console.error('demo: dist/ is missing; run `npm run build` first (npm run demo does it).');
  process.exit(1);
}
let secrets;
if (fs.existsSync(secretsFile)) {
  secrets = JSON.parse(fs.readFileSync(secretsFile, 'utf8'));
} else {
  const b64url = (n) => randomBytes(n).toString('base64url');
  secrets = {
    ADMIN_TOKEN: b64url(32),
    VAULT_KEYS: `demo1:${randomBytes(32).toString('base64')}`,
    API_KEY_PEPPER: randomBytes(32).toString('base64'),
    INTERNAL_API_TOKEN: b64url(32),
  };
  try {
    fs.writeFileSync(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    console.warn(`demo: could not keep the secrets in ${secretsFile} (${error.code}); they last until this process stops`);
  }
}

const brokerPort = process.env.BROKER_PORT ?? '8081';
const gatewayPort = process.env.GATEWAY_PORT ?? '8080';
const host = process.env.DEMO_HOST ?? 'localhost';
const env = {
  ...process.env,
  ...secrets,
  NODE_ENV: 'development',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/mcp_gateway_demo',
  BROKER_PORT: brokerPort,
  GATEWAY_PORT: gatewayPort,
  BROKER_PUBLIC_URL: process.env.BROKER_PUBLIC_URL ?? `http://${host}:${brokerPort}`,
  GATEWAY_PUBLIC_URL: process.env.GATEWAY_PUBLIC_URL ?? `http://${host}:${gatewayPort}`,
  DEMO_IDP_ENABLED: 'true',
  DEMO_IDP_PASSWORD: process.env.DEMO_IDP_PASSWORD ?? 'demo',
};

const migrate = spawnSync(process.execPath, [path.join(root, 'dist/libs/persistence/src/cli/migrate.js')], {
  env,
  stdio: 'inherit',
});
if (migrate.status !== 0) {
  process.exit(migrate.status ?? 1);
}

const issuer = env.BROKER_PUBLIC_URL;
const adminUrl = `http://127.0.0.1:${env.ADMIN_PORT ?? '8082'}`;
const upstreamPort = Number(process.env.DEMO_UPSTREAM_PORT ?? '8090');
const route = `${env.GATEWAY_PUBLIC_URL}/mcp/demo`;
console.log(`
  MCP auth gateway demo
  ---------------------
  Authorization server (issuer): ${issuer}
      metadata: ${issuer}/.well-known/oauth-authorization-server
  Demo login:   user "demo", password "${env.DEMO_IDP_PASSWORD}"  (at ${issuer}/demo-idp)
  Admin API:    http://127.0.0.1:${env.ADMIN_PORT ?? '8082'}/admin/v1  (Authorization: Bearer <ADMIN_TOKEN from ${secretsFile}>)
  Gateway:      ${env.GATEWAY_PUBLIC_URL}
  Demo upstream: an MCP server on 127.0.0.1:${upstreamPort}, registered as \`demo\`:
      paste ${route} into the MCP Inspector (Streamable HTTP) or Claude; it registers itself
      (DCR), you consent and log in as demo. Sample policies (applied when the set is empty):
        demo.echo, demo.forecast, demo.test_*  → none: open, nothing injected
        demo.slow                              → deny: hidden from tools/list, refused if called
`);

/** The demo upstream (the test fixture) and its registration, once the admin API answers. */
async function seedDemoUpstream() {
  const { startUpstreamFixture } = require(path.join(root, 'dist/libs/testing/src/upstream-fixture/index.js'));
  const fixture = await startUpstreamFixture({ port: upstreamPort, host: '127.0.0.1' });
  const headers = { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' };
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      if ((await fetch(`${adminUrl}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const upstream = await fetch(`${adminUrl}/admin/v1/upstreams`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'demo', url: fixture.url, description: 'demo upstream (test fixture)' }),
  });
  if (upstream.status !== 201 && upstream.status !== 409) {
    throw new Error(`registering the demo upstream: ${upstream.status}`);
  }
  const current = await (await fetch(`${adminUrl}/admin/v1/policies`, { headers })).json();
  if (Array.isArray(current.policies) && current.policies.length === 0) {
    const put = await fetch(`${adminUrl}/admin/v1/policies`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({
        auth_policies: [
          { name: 'demo: open tools', match_pattern: 'demo.*', priority: 10, auth_method: { type: 'none' } },
          { name: 'demo: slow is denied', match_pattern: 'demo.slow', priority: 20, auth_method: { type: 'deny' } },
        ],
      }),
    });
    if (put.status !== 200) {
      throw new Error(`applying the demo policies: ${put.status}`);
    }
  }
  console.log(`demo: upstream "demo" registered; connect an MCP client to ${route}`);
}

const child = spawn(process.execPath, [path.join(__dirname, 'start-all.js')], { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code) => process.exit(code ?? 0));
seedDemoUpstream().catch((error) => {
  console.error(`demo: ${error.message}`);
});
