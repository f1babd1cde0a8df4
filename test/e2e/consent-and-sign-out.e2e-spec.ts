import type { AdminApiHarness } from '../support/admin-api.harness';
import {
  GATEWAY_URL,
  registerUpstream,
  startAuthorizationServer,
} from '../support/authorization-server.harness';
import { BrowserAgent, readForm } from '../support/browser-agent';
import { authorizeInBrowser, pkcePair, registerClient } from '../support/oauth-flow';
import { signInThroughMcpClient } from '../support/tool-provider';

// Issue 7 section 0: a consent covers the resource it was given for only, and sign-out ends the
// broker pages' session for every copy of its cookie. Real Postgres and Redis, the demo IdP.

const CALLBACK = 'http://127.0.0.1:9999/callback';
const GITHUB = `${GATEWAY_URL}/mcp/github`;
const SLACK = `${GATEWAY_URL}/mcp/slack`;
const USER_SESSION_COOKIE = '__Host-mcpgw-user';

let broker: AdminApiHarness & { issuer: string };

beforeAll(async () => {
  broker = await startAuthorizationServer();
  await registerUpstream(broker, 'github');
  await registerUpstream(broker, 'slack');
});

afterAll(async () => {
  await broker?.close();
});

async function nativeClient(): Promise<string> {
  const registered = await registerClient(broker.issuer, {
    redirect_uris: [CALLBACK],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    client_name: 'Resource-bound consent',
  });
  expect(registered.status).toBe(201);
  return registered.json.client_id as string;
}

function authorize(agent: BrowserAgent, clientId: string, resource: string) {
  return authorizeInBrowser(agent, broker.issuer, {
    clientId,
    redirectUri: CALLBACK,
    challenge: pkcePair().challenge,
    scope: 'mcp:tools:read',
    resource,
  });
}

describe('consent is bound to the resource (audience) as well as the client and scopes', () => {
  it('a consent for …/mcp/github does not consent for …/mcp/slack: the page is shown again', async () => {
    const clientId = await nativeClient();
    const agent = new BrowserAgent();
    const github = await authorize(agent, clientId, GITHUB);
    expect(github.consentShown).toBe(true);
    expect(github.redirect.searchParams.get('code')).toBeTruthy();

    // The same resource again: remembered.
    const again = await authorize(agent, clientId, GITHUB);
    expect(again.consentShown).toBe(false);
    expect(again.redirect.searchParams.get('code')).toBeTruthy();

    // Another upstream of the same gateway: asked, and the page names it.
    const start = new URL(`${broker.issuer}/authorize`);
    start.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: CALLBACK,
      state: 's',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      scope: 'mcp:tools:read',
      resource: SLACK,
    }).toString();
    const page = await agent.follow(await agent.get(start.href), start.href);
    expect(page.response.status).toBe(200);
    const html = await page.response.text();
    expect(html).toContain(`<code>${SLACK}</code>`);
    expect(readForm(html).action).toMatch(/\/consent$/);

    const slack = await authorize(agent, clientId, SLACK);
    expect(slack.consentShown).toBe(true);
    expect(slack.redirect.searchParams.get('code')).toBeTruthy();
  });

  it("the browser's consent cookie for one resource does not skip the page for another", async () => {
    const clientId = await nativeClient();
    const firstBrowser = new BrowserAgent();
    await authorize(firstBrowser, clientId, GITHUB);
    const [name, value] = firstBrowser
      .allCookieValues(broker.issuer)
      .find(([cookie]) => cookie.startsWith('__Host-mcpgw-consent-'))!;

    // A browser holding only that cookie, asking for another resource: the page before the login.
    const next = new BrowserAgent();
    next.setCookie(broker.issuer, name, value);
    const slack = await authorize(next, clientId, SLACK);
    expect(slack.consentShown).toBe(true);
    expect(slack.redirect.searchParams.get('code')).toBeTruthy();

    // For the resource it was given for, the same cookie still skips it.
    const other = new BrowserAgent();
    other.setCookie(broker.issuer, name, value);
    const github = await authorize(other, clientId, GITHUB);
    expect(github.loginShown).toBe(true);
    expect(github.consentShown).toBe(false);
  });
});

describe("sign-out ends the broker pages' session", () => {
  it('a copy of the session cookie (and its CSRF token) taken before /logout is refused after it', async () => {
    const { agent } = await signInThroughMcpClient(broker);
    const connections = `${broker.issuer}/connections`;
    const copy = agent.cookieHeader(connections);
    expect(copy).toContain(`${USER_SESSION_COOKIE}=`);

    const listed = await fetch(connections, { headers: { cookie: copy }, redirect: 'manual' });
    expect(listed.status).toBe(200);
    // No connections yet: the only form is the sign-out.
    const form = readForm(await listed.text());
    expect(form.action).toBe('/logout');
    const csrf = form.fields.csrf!;

    const signedOut = await agent.postForm(
      `${broker.issuer}/logout`,
      { csrf },
      { origin: new URL(broker.issuer).origin },
    );
    expect(signedOut.status).toBe(200);

    // The copy no longer signs anyone in: the page starts a login at the IdP instead.
    const afterwards = await fetch(connections, { headers: { cookie: copy }, redirect: 'manual' });
    expect(afterwards.status).toBe(303);
    const location = new URL(afterwards.headers.get('location')!, broker.issuer);
    expect(location.pathname).toBe('/demo-idp/auth');
    // Nor does the copy with its CSRF token sign out (or act) again.
    const replayed = await fetch(`${broker.issuer}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: copy,
        origin: new URL(broker.issuer).origin,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(replayed.status).toBe(403);
  });
  it("the forms' CSRF token is bound to the session: one seen in an earlier session of the same user is refused", async () => {
    const connections = `${broker.issuer}/connections`;
    const csrfOf = async (cookie: string): Promise<string> => {
      const page = await fetch(connections, { headers: { cookie }, redirect: 'manual' });
      expect(page.status).toBe(200);
      return readForm(await page.text()).fields.csrf!;
    };
    const logout = (cookie: string, csrf: string) =>
      fetch(`${broker.issuer}/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie,
          origin: new URL(broker.issuer).origin,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ csrf }).toString(),
      });
    const first = (await signInThroughMcpClient(broker)).agent.cookieHeader(connections);
    const second = (await signInThroughMcpClient(broker)).agent.cookieHeader(connections);
    expect(second).not.toBe(first);
    const earlierToken = await csrfOf(first);

    expect((await logout(second, earlierToken)).status).toBe(403);
    expect((await logout(second, await csrfOf(second))).status).toBe(200);
  });
});
