import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { DEMO_PASSWORD, freePort } from '../support/authorization-server.harness';
import { BrowserAgent, readForm } from '../support/browser-agent';
import { call } from '../support/http';
import { createTestDatabase, testRedisPrefix, type TestDatabase } from '../support/test-database';

const ROOT = join(__dirname, '..', '..');
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** The MCP client's side of OAuth, in memory; the authorization URL is kept for the test's browser. */
class MemoryOAuthProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private client: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  readonly redirectUrl = REDIRECT_URI;
  readonly clientMetadata = {
    client_name: 'demo e2e',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  clientInformation = () => this.client;
  saveClientInformation = (client: OAuthClientInformationMixed) => void (this.client = client);
  tokens = () => this.saved;
  saveTokens = (tokens: OAuthTokens) => void (this.saved = tokens);
  redirectToAuthorization = (url: URL) => void (this.authorizationUrl = url);
  saveCodeVerifier = (verifier: string) => void (this.verifier = verifier);
  codeVerifier = () => this.verifier;
}

/**
 * Walks the browser through consent and demo IdP logins (as user `demo`) until it leaves for
 * `stopAt` (returned) or reaches a page without a form (returned with its HTML).
 */
async function walk(
  agent: BrowserAgent,
  start: string,
  stopAt: (url: URL) => boolean,
): Promise<{ url: string; status: number; html: string }> {
  let step = await agent.follow(await agent.get(start), start, stopAt);
  for (let i = 0; i < 6; i += 1) {
    if (stopAt(new URL(step.url))) {
      return { url: step.url, status: step.response.status, html: '' };
    }
    const html = await step.response.text();
    if (!/<form/.test(html) || /\/connections\/|action="\/logout"/.test(html)) {
      return { url: step.url, status: step.response.status, html };
    }
    const form = readForm(html);
    const action = new URL(form.action, step.url).href;
    const posted = action.includes('/consent')
      ? await agent.postForm(
          action,
          { ...form.fields, decision: 'allow' },
          { origin: new URL(step.url).origin },
        )
      : await agent.postForm(action, { username: 'demo', password: DEMO_PASSWORD });
    step = await agent.follow(posted, action, stopAt);
  }
  throw new Error(`the browser did not get through: ${step.url}`);
}

/**
 * `npm run demo` (scripts/demo.js) as a newcomer runs it, from a build of this checkout in a
 * scratch folder, on free ports and a database of its own: what it registers, and that its three
 * kinds of tool behave as it prints (none, oauth through the demo IdP, deny).
 */
describe('npm run demo', () => {
  let scratch: string;
  let database: TestDatabase;
  let demo: ChildProcess;
  let output = '';
  const ports: Record<string, number> = {};
  // The admin token the demo generated, where it keeps it.
  const adminToken = (): string =>
    (
      JSON.parse(readFileSync(join(scratch, 'demo-secrets.json'), 'utf8')) as {
        ADMIN_TOKEN: string;
      }
    ).ADMIN_TOKEN;
  const admin = (path: string) =>
    call(`http://127.0.0.1:${ports.ADMIN_PORT}`, 'GET', path, { token: adminToken() });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'mcpgw-demo-'));
    // The script runs dist/ beside it: a build of this checkout, not whatever dist/ holds.
    execFileSync(
      join(ROOT, 'node_modules', '.bin', 'swc'),
      ['apps', 'libs', '-d', join(scratch, 'dist'), '--config-file', '.swcrc', '-q'],
      { cwd: ROOT },
    );
    mkdirSync(join(scratch, 'scripts'));
    for (const file of ['demo.js', 'start-all.js']) {
      copyFileSync(join(ROOT, 'scripts', file), join(scratch, 'scripts', file));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
    for (const name of [
      'GATEWAY_PORT',
      'GATEWAY_METRICS_PORT',
      'BROKER_PORT',
      'ADMIN_PORT',
      'WORKERS_PORT',
      'INTERNAL_PORT',
      'DEMO_UPSTREAM_PORT',
    ]) {
      ports[name] = await freePort();
    }
    database = await createTestDatabase();
    demo = spawn(process.execPath, [join(scratch, 'scripts', 'demo.js')], {
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        BROKER_INTERNAL_URL: `http://127.0.0.1:${ports.INTERNAL_PORT}`,
        DATABASE_URL: database.url,
        REDIS_KEY_PREFIX: testRedisPrefix(),
        DEMO_SECRETS_FILE: join(scratch, 'demo-secrets.json'),
        DEMO_IDP_PASSWORD: DEMO_PASSWORD,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the demo did not get ready:\n${output}`)),
        60_000,
      );
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (/demo: upstream "demo", provider "demo-idp" and policies ready/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
        // seedDemoUpstream's failures: "demo: registering the demo upstream: 500" and the like.
        if (/^demo: (registering|updating|applying)/m.test(output)) {
          clearTimeout(timer);
          reject(new Error(`the demo failed:\n${output}`));
        }
      };
      demo.stdout!.on('data', read);
      demo.stderr!.on('data', read);
      demo.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the demo exited (${code}):\n${output}`));
      });
    });
  }, 90_000);

  afterAll(async () => {
    if (demo !== undefined && demo.exitCode === null) {
      const exited = new Promise((resolve) => demo.once('exit', resolve));
      demo.kill('SIGTERM');
      await exited;
    }
    await database?.drop();
    rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  it('prints the route to paste into an MCP client and what each kind of tool does', () => {
    expect(output).toContain(`http://localhost:${ports.GATEWAY_PORT}/mcp/demo`);
    expect(output).toMatch(/echo, forecast, test_\*\s+none/);
    expect(output).toMatch(
      /whoami_headers\s+oauth\s+needs a connection to the provider "demo-idp"/,
    );
    expect(output).toMatch(/slow\s+deny\s+missing from tools\/list/);
  });

  it('registers the demo IdP as the provider demo-idp and one policy per kind of tool', async () => {
    const issuer = `http://localhost:${ports.BROKER_PORT}`;
    const providers = await admin('/admin/v1/providers');
    expect(providers.json.items).toEqual([
      expect.objectContaining({
        name: 'demo-idp',
        kind: 'oauth2',
        client_id: 'mcp-auth-gateway-demo-connect',
        authorization_endpoint: `${issuer}/demo-idp/auth`,
        token_endpoint: `${issuer}/demo-idp/token`,
      }),
    ]);
    const resolved: Record<string, unknown> = {};
    for (const tool of ['demo.echo', 'demo.whoami_headers', 'demo.slow']) {
      resolved[tool] = (await admin(`/admin/v1/policies/resolve?tool=${tool}`)).json.auth_method;
    }
    expect(resolved).toEqual({
      'demo.echo': { type: 'none' },
      'demo.whoami_headers': { type: 'oauth', provider: 'demo-idp', scopes: ['openid', 'profile'] },
      'demo.slow': { type: 'deny' },
    });
  });

  it('behaves as printed: echo open, slow refused, whoami_headers asks for a connection and then shows the injected token', async () => {
    const route = new URL(`http://localhost:${ports.GATEWAY_PORT}/mcp/demo`);
    const agent = new BrowserAgent();
    const leavesForClient = (url: URL) => url.href.startsWith(REDIRECT_URI);
    const oauth = new MemoryOAuthProvider();
    const first = new StreamableHTTPClientTransport(route, { authProvider: oauth });
    await expect(new Client({ name: 'demo-e2e', version: '1.0.0' }).connect(first)).rejects.toThrow(
      /Unauthorized/,
    );
    const back = await walk(agent, oauth.authorizationUrl!.href, leavesForClient);
    await first.finishAuth(new URL(back.url).searchParams.get('code')!);
    const client = new Client({ name: 'demo-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(route, { authProvider: oauth }));

    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'whoami_headers', 'forecast']));
    expect(names).not.toContain('slow');
    expect(await client.callTool({ name: 'echo', arguments: { text: 'hi' } })).toMatchObject({
      content: [{ type: 'text', text: 'hi' }],
    });
    await expect(client.callTool({ name: 'slow', arguments: { ms: 1 } })).rejects.toMatchObject({
      code: -32002,
    });

    const refused = await client.callTool({ name: 'whoami_headers', arguments: {} }).then(
      () => undefined,
      (error: { code: number; data: { authorization_url: string } }) => error,
    );
    expect(refused).toMatchObject({
      code: -32001,
      data: { auth_type: 'oauth', provider: 'demo-idp' },
    });
    const link = refused!.data.authorization_url;
    expect(link.startsWith(`http://localhost:${ports.BROKER_PORT}/connect/start/`)).toBe(true);
    const connected = await walk(agent, link, () => false);
    expect(new URL(connected.url).pathname).toBe('/connect/callback');
    expect(connected.html).toContain('Connected');

    const answer = await client.callTool({ name: 'whoami_headers', arguments: {} });
    const headers = (answer.structuredContent as { headers: Record<string, string> }).headers;
    expect(headers.authorization).toMatch(/^Bearer \S+$/);
    expect(headers.authorization).not.toContain(oauth.tokens()!.access_token);
    await client.close();
  });
});
