import type { Browser, BrowserContext, Frame, Page, Response } from 'playwright-core';
import { INTERNAL_API_TOKEN, type AdminApiHarness } from '../support/admin-api.harness';
import { DEMO_PASSWORD, startAuthorizationServer } from '../support/authorization-server.harness';
import { launchChromium, sendHtml, startLocalServer, type LocalServer } from '../support/chromium';
import { call } from '../support/http';
import {
  disconnect,
  registerToolProvider,
  signInThroughMcpClient,
  startToolProvider,
  type ToolProvider,
} from '../support/tool-provider';

/**
 * The provider connect pages (SPEC-MUST 29) and the connections page in a real headless
 * Chromium: a connect link opened without a broker session (login at the demo IdP first), a link
 * opened by the wrong user, revoking and signing out through the pages' own forms, and framing
 * blocked by the browser. oidc-provider plays the tool provider (it approves at once); real
 * Postgres and Redis.
 */

const TEST_TIMEOUT = 90_000;
/** Per browser action or navigation; generous for a busy 2-core machine. */
const STEP_TIMEOUT = 30_000;
const USER_SESSION_COOKIE = '__Host-mcpgw-user';

let broker: AdminApiHarness & { issuer: string };
let browser: Browser;
/** The tool provider (oidc-provider). */
let tool: ToolProvider;
/** A page of another origin: frames broker pages, or posts a form to them. */
let attacker: LocalServer;
/** A page of a third origin that allows framing (the control frame). */
let frameable: LocalServer;
/** The broker's user id of the demo IdP user `demo` (the subject of connections). */
let demoSubject: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [broker, browser, attacker, frameable] = await Promise.all([
    startAuthorizationServer(),
    launchChromium(),
    startLocalServer((request, response) => {
      if (request.url.pathname === '/frame') {
        // Frames every `src`, plus a control frame that is allowed to render.
        const frames = request.url.searchParams
          .getAll('src')
          .map(
            (src, i) =>
              `<iframe class="victim" id="victim-${i}" src="${escapeAttribute(src)}" width="600" height="300"></iframe>`,
          )
          .join('\n');
        const control = request.url.searchParams.get('control') ?? '';
        sendHtml(
          response,
          `<!DOCTYPE html><title>framer</title>
<iframe id="control" src="${escapeAttribute(control)}" width="600" height="100"></iframe>
${frames}`,
        );
      } else if (request.url.pathname === '/post') {
        // A form of this origin posting to the broker, submitted by a click.
        const action = request.url.searchParams.get('action') ?? '';
        const csrf = request.url.searchParams.get('csrf') ?? '';
        sendHtml(
          response,
          `<!DOCTYPE html><title>attacker</title>
<form method="post" action="${escapeAttribute(action)}"><input type="hidden" name="csrf" value="${escapeAttribute(csrf)}"><button type="submit" id="go">Win a prize</button></form>`,
        );
      } else {
        sendHtml(response, 'not found', 404);
      }
    }),
    startLocalServer((_request, response) =>
      sendHtml(
        response,
        '<!DOCTYPE html><title>frameable</title><p id="frameable">framed fine</p>',
      ),
    ),
  ]);
  tool = await startToolProvider(broker.issuer);
  await registerToolProvider(broker, tool);
  demoSubject = (await signInThroughMcpClient(broker)).subject;
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((context) => context.close()));
  await Promise.allSettled([
    browser?.close(),
    attacker?.close(),
    frameable?.close(),
    broker?.close(),
    tool?.close(),
  ]);
}, 60_000);

describe('connect pages in Chromium', () => {
  it(
    'SPEC-MUST 29: a connect link opened in a browser without a broker session logs the user in at the IdP, then connects the provider',
    async () => {
      await disconnect(broker, demoSubject);
      const link = await connectLink(demoSubject);
      const page = await newPage();

      await page.goto(link);
      await signInAtDemoIdp(page, 'demo');
      await waitForPath(page, '/connect/callback');
      expect(await page.textContent('h1')).toBe('Connected');
      expect(await page.innerText('body')).toContain('Your tool account is connected');

      // The login left this browser signed in to the broker pages with a __Host- cookie.
      const session = (await page.context().cookies(broker.issuer)).find(
        (cookie) => cookie.name === USER_SESSION_COOKIE,
      );
      expect(session).toMatchObject({ path: '/', secure: true, httpOnly: true });

      const injected = await resolve(demoSubject);
      expect(injected.status).toBe(200);
      expect(injected.json.outcome).toBe('inject');
      expect(injected.json.headers.authorization).toMatch(/^Bearer .{20,}/);
    },
    TEST_TIMEOUT,
  );

  it(
    'SPEC-MUST 29: a link made for another user is refused in the browser',
    async () => {
      await disconnect(broker, demoSubject);
      const link = await connectLink(demoSubject);
      const page = await signedInPage('demo2');

      const refused = await page.goto(link);
      expect(refused?.status()).toBe(403);
      expect(new URL(page.url()).href).toBe(link);
      expect(await page.textContent('h1')).toBe('Not your link');
      expect(await page.innerText('body')).toContain('made for another user');

      // Nothing was connected, for either user.
      expect((await resolve(demoSubject)).json.outcome).toBe('auth_required');
      await page.goto(`${broker.issuer}/connections`);
      expect(await page.locator('#empty').isVisible()).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'the connections page lists the connection and revokes it (CSRF-protected form), then signs out',
    async () => {
      await disconnect(broker, demoSubject);
      const link = await connectLink(demoSubject);
      const page = await newPage();
      await page.goto(link);
      await signInAtDemoIdp(page, 'demo');
      await waitForPath(page, '/connect/callback');

      const listed = await page.goto(`${broker.issuer}/connections`);
      expect(listed?.status()).toBe(200);
      const row = toolRow(page);
      expect(await row.locator('td').allInnerTexts()).toEqual([
        'tool',
        'active',
        expect.stringContaining('repo'),
        expect.any(String),
        'Revoke',
      ]);
      const action = await row.locator('form').getAttribute('action');
      expect(action).toMatch(/^\/connections\/[0-9a-f-]{36}\/revoke$/);
      const csrf = await row.locator('input[name="csrf"]').inputValue();

      // The same form, with the genuine token, submitted from a page of another origin: the
      // browser sends its Origin (and, same-site, the Lax session cookie), the broker refuses.
      const forged = await page.context().newPage();
      await forged.goto(
        `${attacker.origin}/post?${new URLSearchParams({ action: `${broker.issuer}${action}`, csrf })}`,
      );
      const [refused] = await Promise.all([
        forged.waitForResponse((response) => isFormPost(response, action!)),
        forged.click('#go'),
      ]);
      expect(await refused.request().headerValue('origin')).toBe(attacker.origin);
      expect(refused.status()).toBe(403);
      // Not closed here: closing a page right after its form navigation hung Chromium now and then
      // (page.close never settled, ~1 run in 3); the context closes it with the test.
      expect((await resolve(demoSubject)).json.outcome).toBe('inject');

      // Revoke on the page itself.
      await page.reload();
      const [revoked] = await Promise.all([
        page.waitForResponse((response) => isFormPost(response, action!)),
        toolRow(page).getByRole('button', { name: 'Revoke' }).click(),
      ]);
      expect(await describeResponse(revoked)).toEqual({ status: 303 });
      expect(revoked.request().postDataJSON()).toEqual({ csrf: expect.any(String) });
      await waitForPath(page, '/connections');
      await toolRow(page).locator('td', { hasText: 'revoked' }).waitFor();
      expect((await toolRow(page).locator('td').allInnerTexts()).slice(0, 2)).toEqual([
        'tool',
        'revoked',
      ]);
      expect(await toolRow(page).getByRole('button', { name: 'Revoke' }).count()).toBe(0);
      expect((await resolve(demoSubject)).json.outcome).toBe('auth_required');

      // Sign out: the session cookie is gone and the page sends the browser to the IdP again.
      const [signedOut] = await Promise.all([
        page.waitForResponse((response) => isFormPost(response, '/logout')),
        page.click('#logout'),
      ]);
      expect(await describeResponse(signedOut)).toMatchObject({ status: 200 });
      expect(await page.textContent('h1')).toBe('Signed out');
      expect(
        (await page.context().cookies(broker.issuer)).map((cookie) => cookie.name),
      ).not.toContain(USER_SESSION_COOKIE);

      // The next visit starts a login at the IdP: the broker asks it again who this is.
      // (The demo IdP keeps its own session, so it may answer without showing its form: the
      // sign-out ends the broker session only, as the README says.)
      const again = await page.goto(`${broker.issuer}/connections`);
      let first = again!.request();
      while (first.redirectedFrom() !== null) {
        first = first.redirectedFrom()!;
      }
      expect(first.url()).toBe(`${broker.issuer}/connections`);
      expect((await first.headerValue('cookie')) ?? '').not.toContain(USER_SESSION_COOKIE);
      const toLogin = await first.response();
      expect(toLogin?.status()).toBe(303);
      const location = new URL((await toLogin!.headerValue('location'))!, broker.issuer);
      expect(`${location.origin}${location.pathname}`).toBe(`${broker.issuer}/demo-idp/auth`);
      expect(location.searchParams.get('redirect_uri')).toBe(`${broker.issuer}/login/callback`);
    },
    TEST_TIMEOUT,
  );

  it(
    'the connect and connections pages cannot be framed',
    async () => {
      const page = await signedInPage('demo2');
      const victims = [
        `${broker.issuer}/connections`,
        `${broker.issuer}/connect/start/no-such-link`,
        `${broker.issuer}/connect/callback?error=access_denied`,
      ];
      const controlUrl = `${frameable.origin}/`;
      const framed = victims.map((url) =>
        page.waitForResponse(
          (response) => response.url() === url && response.request().frame() !== page.mainFrame(),
        ),
      );
      await page.goto(
        `${attacker.origin}/frame?${new URLSearchParams([
          ...victims.map((src): [string, string] => ['src', src]),
          ['control', controlUrl],
        ])}`,
        { waitUntil: 'load' },
      );

      // The broker did answer each framed request with its page; only the browser refuses them.
      const responses = await Promise.all(framed);
      expect(responses.map((response) => response.status())).toEqual([200, 400, 400]);
      for (const response of responses) {
        const headers = await response.allHeaders();
        expect(headers['x-frame-options']).toBe('DENY');
        expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      }

      // Frames work on this page (the control of another origin renders) ...
      const control = page.frame({ url: controlUrl });
      expect(control).not.toBeNull();
      expect(await control!.textContent('#frameable')).toBe('framed fine');
      // ... but no frame shows a broker page.
      for (const [i, url] of victims.entries()) {
        const victim = await (await page.$(`#victim-${i}`))!.contentFrame();
        expect(victim).not.toBeNull();
        expect(victim!.url()).not.toBe(url);
      }
      for (const frame of page.frames()) {
        expect(await frameShowsBrokerPage(frame)).toBe(false);
      }
    },
    TEST_TIMEOUT,
  );
});

function resolve(subject: string) {
  return call(broker.internalUrl, 'POST', '/internal/v1/credentials/resolve', {
    token: INTERNAL_API_TOKEN,
    body: {
      principal: { subject },
      auth_method: { type: 'oauth', provider: 'tool', scopes: ['repo'] },
    },
  });
}

/** A fresh connect link (an `oauth` remedy) for `subject`, who must not be connected. */
async function connectLink(subject: string): Promise<string> {
  const answer = await resolve(subject);
  expect(answer.status).toBe(200);
  expect(answer.json).toMatchObject({
    outcome: 'auth_required',
    remedy: { auth_type: 'oauth', provider: 'tool' },
  });
  const link = answer.json.remedy.authorization_url as string;
  expect(link.startsWith(`${broker.issuer}/connect/start/`)).toBe(true);
  return link;
}

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  context.setDefaultTimeout(STEP_TIMEOUT);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT);
  return context.newPage();
}

/** A fresh context signed in to the broker pages as `username` (login started by /connections). */
async function signedInPage(username: 'demo' | 'demo2'): Promise<Page> {
  const page = await newPage();
  await page.goto(`${broker.issuer}/connections`);
  await signInAtDemoIdp(page, username);
  await waitForPath(page, '/connections');
  await page.locator('#logout').waitFor();
  return page;
}

async function signInAtDemoIdp(page: Page, username: 'demo' | 'demo2'): Promise<void> {
  try {
    await page.waitForSelector('#username');
  } catch (error) {
    throw new Error(`no demo IdP login: at ${page.url()}: ${await bodyText(page)}`, {
      cause: error,
    });
  }
  expect(new URL(page.url()).pathname).toMatch(/^\/demo-idp\/interaction\//);
  await page.fill('#username', username);
  await page.fill('#password', DEMO_PASSWORD);
  await page.click('#sign-in');
}

/** Waits for the broker page at `pathname`; says where the browser got stuck otherwise. */
async function waitForPath(page: Page, pathname: string): Promise<void> {
  try {
    await page.waitForURL((url) => url.origin === broker.issuer && url.pathname === pathname, {
      waitUntil: 'load',
    });
  } catch (error) {
    throw new Error(`did not reach ${pathname}: at ${page.url()}: ${await bodyText(page)}`, {
      cause: error,
    });
  }
}

async function bodyText(page: Page): Promise<string> {
  return (await page.innerText('body', { timeout: 1000 }).catch(() => '')).slice(0, 400);
}

/** The `tool` row of the connections table. */
function toolRow(page: Page) {
  return page.locator('#connections tbody tr').filter({
    has: page.locator('td:first-child', { hasText: /^tool$/ }),
  });
}

function isFormPost(response: Response, path: string): boolean {
  const request = response.request();
  return (
    request.method() === 'POST' &&
    request.isNavigationRequest() &&
    response.url() === `${broker.issuer}${path}`
  );
}

/** `{ status }` for a redirect; otherwise also the page's text, so a refusal fails with its reason. */
async function describeResponse(response: Response): Promise<{ status: number; text?: string }> {
  const status = response.status();
  if (status >= 300 && status < 400) {
    return { status };
  }
  const html = await response.text().catch(() => '');
  return {
    status,
    text: html
      .replace(/<(style|title)>[\s\S]*?<\/\1>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  };
}

async function frameShowsBrokerPage(frame: Frame): Promise<boolean> {
  try {
    const html = await frame.content();
    return /id="(logout|connections|empty)"|Link expired|Not connected/.test(html);
  } catch {
    // A blocked frame holds Chromium's error page, which may refuse evaluation: nothing rendered.
    return false;
  }
}

function escapeAttribute(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
}
