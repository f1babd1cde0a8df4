import { Writable } from 'node:stream';
import { createLogger } from '@app/observability';
import { UserSessions } from '../../apps/token-broker/src/authorization/user-session';
import { INTERNAL_API_TOKEN, type AdminApiHarness } from '../support/admin-api.harness';
import { startAuthorizationServer } from '../support/authorization-server.harness';
import { BrowserAgent, readForm } from '../support/browser-agent';
import { call } from '../support/http';
import { authorizeInBrowser, pkcePair, registerClient } from '../support/oauth-flow';
import {
  disconnect as disconnectAll,
  registerToolProvider,
  signInThroughMcpClient,
  startToolProvider,
  TOOL_RESOURCE,
  type ToolProvider,
} from '../support/tool-provider';

// Connecting a provider by authorization code + PKCE (SPEC-MUST 29, 30, 33): the broker's
// connect pages and the seed's JSON endpoints, with oidc-provider as the tool provider and the
// demo IdP as the login, real Postgres and Redis.

let broker: AdminApiHarness & { issuer: string };
let tool: ToolProvider;
/** Everything the broker logged. */
const logLines: string[] = [];

beforeAll(async () => {
  broker = await startAuthorizationServer(
    {},
    createLogger(
      'token-broker',
      'trace',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(chunk.toString('utf8'));
          done();
        },
      }),
    ),
  );
  tool = await startToolProvider(broker.issuer);
  await registerToolProvider(broker, tool);
  await registerToolProvider(broker, tool, {
    name: 'tool-api',
    resource: TOOL_RESOURCE,
    scopes: ['repo'],
    device_code_enabled: false,
  });
});

afterAll(async () => {
  await broker?.close();
  await tool?.close();
});

const signedInUser = () => signInThroughMcpClient(broker);
const disconnect = (subject: string) => disconnectAll(broker, subject);

const resolve = (subject: string, method: Record<string, unknown>) =>
  call(broker.internalUrl, 'POST', '/internal/v1/credentials/resolve', {
    token: INTERNAL_API_TOKEN,
    body: { principal: { subject }, auth_method: method },
  });

const postJson = (path: string, body: unknown, accessToken?: string) =>
  call(broker.issuer, 'POST', path, { body, token: accessToken ?? null });

describe('SPEC-MUST 29: authorization code + PKCE, state bound to the user who started it', () => {
  it('an oauth policy without a connection answers a link that connects the same user, then injects the token', async () => {
    const { agent, subject } = await signedInUser();
    await disconnect(subject);
    const first = await resolve(subject, { type: 'oauth', provider: 'tool', scopes: ['repo'] });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      outcome: 'auth_required',
      remedy: { auth_type: 'oauth', provider: 'tool', expires_in: 600 },
    });
    const link = first.json.remedy.authorization_url as string;
    expect(link.startsWith(`${broker.issuer}/connect/start/`)).toBe(true);

    const toProvider = await agent.get(link);
    expect(toProvider.status).toBe(303);
    const providerUrl = new URL(toProvider.headers.get('location')!);
    expect(providerUrl.origin + providerUrl.pathname).toBe(`${tool.url}/auth`);
    expect(providerUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(providerUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(providerUrl.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(providerUrl.searchParams.get('redirect_uri')).toBe(`${broker.issuer}/connect/callback`);
    expect(providerUrl.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining(['repo']),
    );

    const done = await agent.follow(toProvider, link);
    expect(new URL(done.url).pathname).toBe('/connect/callback');
    expect(done.response.status).toBe(200);
    expect(await done.response.text()).toContain('Your tool account is connected');
    // The code was exchanged with the verifier and the same redirect_uri (PKCE, RFC 7636 §4.5).
    const exchange = tool.tokenRequests.at(-1)!;
    expect(exchange.get('grant_type')).toBe('authorization_code');
    expect(exchange.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(exchange.get('redirect_uri')).toBe(`${broker.issuer}/connect/callback`);

    const second = await resolve(subject, { type: 'oauth', provider: 'tool', scopes: ['repo'] });
    expect(second.json.outcome).toBe('inject');
    expect(second.json.headers.authorization).toMatch(/^Bearer .{20,}/);
  });

  it('a connect link is single-use', async () => {
    const { agent, subject } = await signedInUser();
    await disconnect(subject);
    const request = await resolve(subject, { type: 'oauth', provider: 'tool', scopes: [] });
    const link = request.json.remedy.authorization_url as string;
    expect((await agent.get(link)).status).toBe(303);
    const again = await agent.get(link);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('expired');
  });

  it('a link made for another user is refused and connects nothing', async () => {
    const { agent } = await signedInUser();
    const other = await resolve('someone-else', { type: 'oauth', provider: 'tool', scopes: [] });
    const answer = await agent.get(other.json.remedy.authorization_url);
    expect(answer.status).toBe(403);
    expect(await answer.text()).toContain('made for another user');
  });

  it('without a broker session the link first sends the browser to log in, then continues', async () => {
    const { subject } = await signedInUser();
    await disconnect(subject);
    const fresh = new BrowserAgent();
    const request = await resolve(subject, { type: 'oauth', provider: 'tool', scopes: [] });
    const link = request.json.remedy.authorization_url as string;
    const login = await fresh.follow(await fresh.get(link), link);
    expect(new URL(login.url).pathname).toMatch(/^\/demo-idp\/interaction\//);
    const form = readForm(await login.response.text());
    const posted = await fresh.postForm(new URL(form.action, login.url).href, {
      username: 'demo',
      password: 'demo-password-for-tests',
    });
    const done = await fresh.follow(posted, new URL(form.action, login.url).href);
    expect(new URL(done.url).pathname).toBe('/connect/callback');
    expect(done.response.status).toBe(200);
  });

  it('the provider callback state is single-use and works only for the user who started it', async () => {
    const { agent, accessToken } = await signedInUser();
    const started = await postJson(
      '/mcp/auth/oauth/authorize',
      { provider: 'tool', scopes: ['repo'] },
      accessToken,
    );
    expect(started.status).toBe(200);
    expect(started.json).toMatchObject({ state: expect.any(String), expires_in: 600 });
    const providerUrl = started.json.authorization_url as string;
    expect(new URL(providerUrl).searchParams.get('state')).toBe(started.json.state);
    // The provider redirects back; stop before the broker's callback.
    const back = await agent.follow(
      await agent.get(providerUrl),
      providerUrl,
      (u) => u.pathname === '/connect/callback',
    );
    const callbackUrl = back.url;

    // Someone else (another signed-in user of the broker) presenting it: refused, state kept.
    const mallory = new BrowserAgent();
    const sessions = broker.publicApp.get(UserSessions);
    const mallorySession = await sessions.start('00000000-0000-4000-8000-000000000000');
    const malloryCookie = `${mallorySession.name}=${mallorySession.value}`;
    const refused = await mallory.get(callbackUrl, { cookie: malloryCookie });
    expect(refused.status).toBe(403);

    // A forged state: refused.
    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', 'A'.repeat(43));
    expect((await agent.get(forged.href)).status).toBe(400);

    // The owner completes it once; a replay is refused.
    expect((await agent.get(callbackUrl)).status).toBe(200);
    const replay = await agent.get(callbackUrl);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('expired or was already completed');
  });
});

describe('SPEC-MUST 30: RFC 8707 resource where the provider uses one', () => {
  it('is sent on the authorization and the token request, and the connection is stored', async () => {
    const { agent, subject, accessToken } = await signedInUser();
    const started = await postJson(
      '/mcp/auth/oauth/authorize',
      { provider: 'tool-api' },
      accessToken,
    );
    expect(started.status).toBe(200);
    const providerUrl = new URL(started.json.authorization_url as string);
    expect(providerUrl.searchParams.get('resource')).toBe(TOOL_RESOURCE);
    const done = await agent.follow(await agent.get(providerUrl.href), providerUrl.href);
    expect(done.response.status).toBe(200);
    expect(tool.tokenRequests.at(-1)!.get('resource')).toBe(TOOL_RESOURCE);
    const injected = await resolve(subject, {
      type: 'oauth',
      provider: 'tool-api',
      scopes: ['repo'],
    });
    expect(injected.json.outcome).toBe('inject');
  });
});

describe('seed endpoints: POST /mcp/auth/oauth/authorize, /mcp/auth/oauth/callback, /mcp/auth/device/authorize', () => {
  it('require an access token issued by this gateway', async () => {
    for (const path of [
      '/mcp/auth/oauth/authorize',
      '/mcp/auth/oauth/callback',
      '/mcp/auth/device/authorize',
    ]) {
      const none = await postJson(path, { provider: 'tool' });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('invalid_token');
      const forged = await postJson(
        path,
        { provider: 'tool' },
        'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      );
      expect(forged.status).toBe(401);
    }
  });

  it('a token without mcp:tools:execute → 403 insufficient_scope with an RFC 6750 challenge', async () => {
    const { accessToken } = await signInThroughMcpClient(broker, 'demo', 'mcp:tools:read');
    for (const [path, body] of [
      ['/mcp/auth/oauth/authorize', { provider: 'tool', scopes: ['repo'] }],
      ['/mcp/auth/oauth/callback', { code: 'c', state: 's' }],
      ['/mcp/auth/device/authorize', { provider: 'tool', scopes: ['repo'] }],
    ] as const) {
      const res = await postJson(path, body, accessToken);
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ error: 'insufficient_scope' });
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="mcp-auth-gateway", error="insufficient_scope", scope="mcp:tools:execute"',
      );
    }
  });

  it('SPEC-MUST 33: the callback answers what was connected, never the provider tokens', async () => {
    const { agent, accessToken } = await signedInUser();
    const started = await postJson(
      '/mcp/auth/oauth/authorize',
      { provider: 'tool', scopes: ['repo'] },
      accessToken,
    );
    const providerUrl = started.json.authorization_url as string;
    const back = await agent.follow(
      await agent.get(providerUrl),
      providerUrl,
      (u) => u.pathname === '/connect/callback',
    );
    const params = new URL(back.url).searchParams;
    const completed = await postJson(
      '/mcp/auth/oauth/callback',
      { code: params.get('code'), state: params.get('state') },
      accessToken,
    );
    expect(completed.status).toBe(200);
    expect(completed.json).toMatchObject({
      connected: true,
      provider: 'tool',
      token_type: 'Bearer',
    });
    expect(completed.json.scope.split(' ')).toEqual(expect.arrayContaining(['repo']));
    expect(completed.json.access_token).toBeUndefined();
    expect(completed.json.refresh_token).toBeUndefined();
    expect(completed.text).not.toMatch(/"(access|refresh)_token"/);
  });

  it('bad bodies get a field-level 400, unknown providers a clear error', async () => {
    const { accessToken } = await signedInUser();
    const bad = await postJson('/mcp/auth/oauth/authorize', { provider: 42 }, accessToken);
    expect(bad.status).toBe(400);
    expect(bad.json.error_description).toMatch(/^provider/);
    const unknown = await postJson('/mcp/auth/oauth/authorize', { provider: 'nope' }, accessToken);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error_description).toContain('not configured');
    const noState = await postJson(
      '/mcp/auth/oauth/callback',
      { code: 'x', state: 'y' },
      accessToken,
    );
    expect(noState.status).toBe(400);
    expect(noState.json.error).toBe('invalid_grant');
  });

  it('device authorize answers the seed shape (what the user must do); the broker polls', async () => {
    const { accessToken } = await signedInUser();
    const answer = await postJson(
      '/mcp/auth/device/authorize',
      { provider: 'tool', scopes: ['repo'] },
      accessToken,
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      user_code: expect.any(String),
      verification_uri: `${tool.url}/device`,
      expires_in: expect.any(Number),
      interval: expect.any(Number),
      instructions: expect.stringContaining('enter code'),
    });
    expect(answer.json.device_code).toBeUndefined();
  });
});

describe('the connections page: a user lists and revokes their own connections', () => {
  it('lists the connection and revokes it with the CSRF token; a forged form is refused', async () => {
    const { agent, subject } = await signedInUser();
    await disconnect(subject);
    const request = await resolve(subject, { type: 'oauth', provider: 'tool', scopes: [] });
    const link = request.json.remedy.authorization_url as string;
    await agent.follow(await agent.get(link), link);

    const page = await agent.get(`${broker.issuer}/connections`);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain('<td>tool</td><td>active</td>');
    const form = readForm(html);

    const forged = await agent.postForm(new URL(form.action, broker.issuer).href, {
      csrf: 'x'.repeat(43),
    });
    expect(forged.status).toBe(403);
    const revoked = await agent.postForm(new URL(form.action, broker.issuer).href, form.fields);
    expect(revoked.status).toBe(303);
    expect(await (await agent.get(`${broker.issuer}/connections`)).text()).toContain(
      '<td>tool</td><td>revoked</td>',
    );
    expect(
      (await resolve(subject, { type: 'oauth', provider: 'tool', scopes: [] })).json.outcome,
    ).toBe('auth_required');
  });

  it('a login for these pages completes only in the browser that started it (no login CSRF)', async () => {
    // The attacker starts a login, signs in at the IdP as themselves, and keeps the callback URL.
    const attacker = new BrowserAgent();
    const start = `${broker.issuer}/connections`;
    const login = await attacker.follow(await attacker.get(start), start);
    const form = readForm(await login.response.text());
    const action = new URL(form.action, login.url).href;
    const posted = await attacker.postForm(action, {
      username: 'demo',
      password: 'demo-password-for-tests',
    });
    const back = await attacker.follow(posted, action, (u) => u.pathname === '/login/callback');
    expect(new URL(back.url).pathname).toBe('/login/callback');
    // The victim is made to open it: refused, no session for the attacker's account.
    const victim = new BrowserAgent();
    const opened = await victim.get(back.url);
    expect(opened.status).toBe(400);
    expect(opened.headers.getSetCookie().some((c) => c.startsWith('__Host-mcpgw-user='))).toBe(
      false,
    );
    // The browser that started it completes it.
    const own = await attacker.get(back.url);
    expect(own.status).toBe(303);
    expect(own.headers.get('location')).toBe('/connections');
  });

  it('signing out forgets the session (CSRF-protected)', async () => {
    const { agent } = await signedInUser();
    const page = await agent.get(`${broker.issuer}/connections`);
    const html = await page.text();
    const logout =
      /<form method="post" action="\/logout"><input type="hidden" name="csrf" value="([^"]+)">/.exec(
        html,
      );
    expect(logout).not.toBeNull();
    expect((await agent.postForm(`${broker.issuer}/logout`, { csrf: 'x'.repeat(43) })).status).toBe(
      403,
    );
    expect((await agent.postForm(`${broker.issuer}/logout`, { csrf: logout![1]! })).status).toBe(
      200,
    );
    expect((await agent.get(`${broker.issuer}/connections`)).status).toBe(303);
    // Signed out of the authorization server too, and the IdP must authenticate again (its own
    // session does not sign the next person in).
    const client = await registerClient(broker.issuer, {
      redirect_uris: ['http://127.0.0.1:9999/callback'],
      application_type: 'native',
    });
    const again = await authorizeInBrowser(agent, broker.issuer, {
      clientId: client.json.client_id,
      redirectUri: 'http://127.0.0.1:9999/callback',
      challenge: pkcePair().challenge,
    });
    expect(again.loginShown).toBe(true);
    expect(again.redirect.searchParams.get('code')).toBeTruthy();
  });

  it('without a session the page sends the browser to log in', async () => {
    const answer = await new BrowserAgent().get(`${broker.issuer}/connections`);
    expect(answer.status).toBe(303);
    expect(new URL(answer.headers.get('location')!).pathname).toBe('/demo-idp/auth');
  });
});

describe('SPEC-MUST 34: nothing secret in the logs of a connect flow', () => {
  it('no provider token, code, state, client secret or our access token appears in any log line', async () => {
    const before = logLines.length;
    const { agent, subject, accessToken } = await signedInUser();
    await disconnect(subject);
    const started = await postJson(
      '/mcp/auth/oauth/authorize',
      { provider: 'tool', scopes: ['repo'] },
      accessToken,
    );
    const providerUrl = started.json.authorization_url as string;
    const back = await agent.follow(
      await agent.get(providerUrl),
      providerUrl,
      (u) => u.pathname === '/connect/callback',
    );
    const params = new URL(back.url).searchParams;
    expect((await agent.get(back.url)).status).toBe(200);
    const injected = await resolve(subject, { type: 'oauth', provider: 'tool', scopes: ['repo'] });
    expect(injected.json.outcome).toBe('inject');
    const providerToken = (injected.json.headers.authorization as string).slice('Bearer '.length);
    const output = logLines.slice(before).join('');
    expect(output).toContain('provider connected');
    for (const secret of [
      providerToken,
      params.get('code')!,
      params.get('state')!,
      tool.tokenRequests.at(-1)!.get('code_verifier')!,
      'tool-secret-0123456789abcdef',
      accessToken,
      INTERNAL_API_TOKEN,
    ]) {
      expect(output).not.toContain(secret);
    }
  });
});
