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
const idp = `${issuer}/demo-idp`;
// The demo IdP's client for the broker as a tool provider (DEMO_CONNECT_CLIENT_ID in
// apps/token-broker/src/authorization/demo-idp.ts): public, PKCE, redirect <issuer>/connect/callback.
const connectClientId = 'mcp-auth-gateway-demo-connect';
const demoProvider = {
  name: 'demo-idp',
  kind: 'oauth2',
  client_id: connectClientId,
  authorization_endpoint: `${idp}/auth`,
  token_endpoint: `${idp}/token`,
  revocation_endpoint: `${idp}/token/revocation`,
  scopes: ['openid', 'profile'],
};
const demoPolicies = [
  { name: 'demo: open tools', match_pattern: 'demo.*', priority: 10, auth_method: { type: 'none' } },
  { name: 'demo: slow is denied', match_pattern: 'demo.slow', priority: 20, auth_method: { type: 'deny' } },
  {
    name: 'demo: whoami_headers needs a demo-idp connection',
    match_pattern: 'demo.whoami_headers',
    priority: 30,
    auth_method: { type: 'oauth', provider: demoProvider.name, scopes: ['openid', 'profile'] },
  },
];
console.log(`
  MCP auth gateway demo
  ---------------------
  Authorization server (issuer): ${issuer}
      metadata: ${issuer}/.well-known/oauth-authorization-server
  Demo login:   user "demo" (or "demo2"), password "${env.DEMO_IDP_PASSWORD}"  (at ${idp})
  Admin API:    http://127.0.0.1:${env.ADMIN_PORT ?? '8082'}/admin/v1  (Authorization: Bearer <ADMIN_TOKEN from ${secretsFile}>)
  Gateway:      ${env.GATEWAY_PUBLIC_URL}
  Demo upstream: an MCP server on 127.0.0.1:${upstreamPort}, registered as \`demo\`.

  Paste this URL into the MCP Inspector (transport "Streamable HTTP") or Claude (custom connector):
      ${route}
  The client registers itself (DCR), you consent, then log in at the demo IdP as demo / ${env.DEMO_IDP_PASSWORD}.
  (Scripts: an API key from POST /admin/v1/api-keys, sent as "Authorization: ApiKey <key>", works
   for the open and denied tools; the oauth tool's link belongs to a user signed in as above.)

  What you will see, per tool (sample policies, applied when the set is empty):
    echo, forecast, test_*  none   open: answers at once, nothing is injected upstream
    whoami_headers          oauth  needs a connection to the provider "demo-idp" (the demo IdP
                                   acting as a tool provider). The first call answers "connect your
                                   demo-idp account" with a link (${issuer}/connect/start/…);
                                   open it, log in as demo / ${env.DEMO_IDP_PASSWORD}, "Connected". Call it
                                   again: its output lists the headers the upstream got, with
                                   "authorization": "Bearer <the demo IdP's access token>"
                                   (the injected token; never your own gateway token)
    slow                    deny   missing from tools/list; a call is refused ("Forbidden")
  Your connections: ${issuer}/connections
`);

async function adminCall(method, pathname, body) {
  const response = await fetch(`${adminUrl}/admin/v1${pathname}`, {
    method,
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/**
 * The demo's provider, created once and kept current: its endpoints follow BROKER_PUBLIC_URL,
 * which may change between runs (other ports).
 */
async function seedDemoProvider() {
  const { body: list } = await adminCall('GET', '/providers');
  const existing = list.items.find((provider) => provider.name === demoProvider.name);
  if (existing === undefined) {
    const created = await adminCall('POST', '/providers', demoProvider);
    if (created.status !== 201) {
      throw new Error(`registering the demo provider: ${created.status}`);
    }
    return;
  }
  const stale = Object.entries(demoProvider).some(
    ([field, value]) => JSON.stringify(existing[field]) !== JSON.stringify(value),
  );
  if (stale) {
    const replaced = await adminCall('PUT', `/providers/${existing.id}`, demoProvider);
    if (replaced.status !== 200) {
      throw new Error(`updating the demo provider: ${replaced.status}`);
    }
  }
}

/**
 * The sample policies, when the set is empty or holds only sample policies of an older demo
 * (names "demo: …") and misses one of today's; a set the operator changed otherwise is left alone.
 */
async function seedDemoPolicies() {
  const { body: current } = await adminCall('GET', '/policies');
  const names = current.policies.map((policy) => policy.name);
  const onlyDemo = names.every((name) => name.startsWith('demo: '));
  const missing = demoPolicies.some((policy) => !names.includes(policy.name));
  if (onlyDemo && missing) {
    const put = await adminCall('PUT', '/policies', { auth_policies: demoPolicies });
    if (put.status !== 200) {
      throw new Error(`applying the demo policies: ${put.status}`);
    }
  }
}

/** The demo upstream (the test fixture), its registration, provider and policies, once the admin API answers. */
async function seedDemoUpstream() {
  const { startUpstreamFixture } = require(path.join(root, 'dist/libs/testing/src/upstream-fixture/index.js'));
  const fixture = await startUpstreamFixture({ port: upstreamPort, host: '127.0.0.1' });
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      if ((await fetch(`${adminUrl}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const upstream = await adminCall('POST', '/upstreams', {
    name: 'demo',
    url: fixture.url,
    description: 'demo upstream (test fixture)',
  });
  if (upstream.status === 409) {
    // Registered by an earlier run, perhaps on another DEMO_UPSTREAM_PORT.
    const { body: list } = await adminCall('GET', '/upstreams');
    const existing = list.items.find((candidate) => candidate.name === 'demo');
    if (existing !== undefined && existing.url !== fixture.url) {
      const patched = await adminCall('PATCH', `/upstreams/${existing.id}`, { url: fixture.url });
      if (patched.status !== 200) {
        throw new Error(`updating the demo upstream: ${patched.status}`);
      }
    }
  } else if (upstream.status !== 201) {
    throw new Error(`registering the demo upstream: ${upstream.status}`);
  }
  await seedDemoProvider();
  await seedDemoPolicies();
  console.log(`demo: upstream "demo", provider "demo-idp" and policies ready; connect an MCP client to ${route}`);
}

const child = spawn(process.execPath, [path.join(__dirname, 'start-all.js')], { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code) => process.exit(code ?? 0));
seedDemoUpstream().catch((error) => {
  console.error(`demo: ${error.message}`);
});
