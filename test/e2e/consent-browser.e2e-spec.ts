import { createHash, randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Frame, Page, Response } from 'playwright-core';
import type { AdminApiHarness } from '../support/admin-api.harness';
import { DEMO_PASSWORD, startAuthorizationServer } from '../support/authorization-server.harness';
import { launchChromium, sendHtml, startLocalServer, type LocalServer } from '../support/chromium';
import { authorizeUrl, pkcePair, registerClient, tokenRequest } from '../support/oauth-flow';

/**
 * The consent and login pages in a real headless Chromium: what the fetch-based BrowserAgent
 * cannot show (a real form submission, cookie prefixes and attributes as a browser enforces them,
 * framing blocked by the browser).
 */

const TEST_TIMEOUT = 60_000;
const SCOPES = ['mcp:tools:read', 'mcp:tools:execute'];
const CONSENT_COOKIE_PREFIX = '__Host-mcpgw-consent-';

let broker: AdminApiHarness & { issuer: string };
let browser: Browser;
/** The native client's loopback redirect target. */
let client: LocalServer;
/** A page of another origin that tries to frame the consent page. */
let framer: LocalServer;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [broker, browser, client, framer] = await Promise.all([
    startAuthorizationServer(),
    launchChromium(),
    startLocalServer((request, response) => {
      if (request.url.pathname === '/callback') {
        sendHtml(
          response,
          '<!DOCTYPE html><title>client</title><p id="client-done">back at the client</p>',
        );
      } else if (request.url.pathname === '/frameable') {
        sendHtml(
          response,
          '<!DOCTYPE html><title>frameable</title><p id="frameable">framed fine</p>',
        );
      } else {
        sendHtml(response, 'not found', 404);
      }
    }),
    startLocalServer((request, response) => {
      const src = request.url.searchParams.get('src') ?? '';
      const control = request.url.searchParams.get('control') ?? '';
      sendHtml(
        response,
        `<!DOCTYPE html><title>framer</title>
<iframe id="control" src="${escapeAttribute(control)}" width="600" height="200"></iframe>
<iframe id="victim" src="${escapeAttribute(src)}" width="600" height="600"></iframe>`,
      );
    }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((context) => context.close()));
  await Promise.allSettled([browser?.close(), client?.close(), framer?.close(), broker?.close()]);
}, 60_000);

describe('consent and login pages in Chromium', () => {
  it(
    'SPEC-MUST 26: the consent page names the client, shows the redirect host, warns of localhost and lists the scopes; Allow and login return a code with state and iss (RFC 9207) that redeems with PKCE',
    async () => {
      const clientName = 'Chromium "Test" <Client> & Co';
      const clientId = await registerNativeClient(clientName);
      const { verifier, challenge } = pkcePair();
      const state = randomBytes(12).toString('hex');
      const page = await newPage();

      await page.goto(
        authorizeUrl(broker.issuer, {
          clientId,
          redirectUri: redirectUri(),
          scope: SCOPES.join(' '),
          state,
          challenge,
        }),
      );
      await page.waitForSelector('#allow');
      expect(new URL(page.url()).pathname).toMatch(/^\/interaction\/[^/]+$/);
      expect(await page.textContent('#client-name')).toBe(clientName);
      expect(await page.textContent('#redirect-host')).toBe(`127.0.0.1:${client.port}`);
      const warning = page.locator('[role="alert"]');
      expect(await warning.isVisible()).toBe(true);
      expect(await warning.textContent()).toContain('localhost');
      expect(await page.locator('#scopes li code').allTextContents()).toEqual(SCOPES);

      await allowAndExpectRedirect(page);
      await signInAtDemoIdp(page);
      const callback = await waitForClientCallback(page);

      expect(callback.searchParams.get('error')).toBeNull();
      expect(callback.searchParams.get('code')).toEqual(expect.any(String));
      expect(callback.searchParams.get('state')).toBe(state);
      expect(callback.searchParams.get('iss')).toBe(broker.issuer);
      expect(client.requests.some((r) => r.url.href === callback.href)).toBe(true);

      const token = await tokenRequest(broker.issuer, {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        redirect_uri: redirectUri(),
        code_verifier: verifier,
        client_id: clientId,
      });
      expect(token.status).toBe(200);
      expect(token.json.access_token).toEqual(expect.any(String));
    },
    TEST_TIMEOUT,
  );

  it(
    'SPEC-MUST 26: after Allow the browser holds a __Host- consent cookie (Secure, HttpOnly, SameSite=Lax, Path=/) and a second authorization for the same client skips the consent page',
    async () => {
      const clientId = await registerNativeClient('Cookie Test Client');
      const page = await newPage();
      const context = page.context();

      const first = pkcePair();
      await page.goto(
        authorizeUrl(broker.issuer, {
          clientId,
          redirectUri: redirectUri(),
          scope: SCOPES.join(' '),
          challenge: first.challenge,
        }),
      );
      await page.waitForSelector('#allow');
      await allowAndExpectRedirect(page);

      const consentCookies = (await context.cookies(broker.issuer)).filter((cookie) =>
        cookie.name.startsWith(CONSENT_COOKIE_PREFIX),
      );
      expect(consentCookies).toHaveLength(1);
      expect(consentCookies[0]).toMatchObject({
        name: `${CONSENT_COOKIE_PREFIX}${createHash('sha256').update(clientId).digest('hex').slice(0, 16)}`,
        domain: '127.0.0.1',
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
      });
      expect(consentCookies[0]!.expires).toBeGreaterThan(Date.now() / 1000 + 86400);

      await signInAtDemoIdp(page);
      expect((await waitForClientCallback(page)).searchParams.get('code')).toEqual(
        expect.any(String),
      );

      // Same browser, same client and scopes: no consent page (the sessions exist, so no login either).
      const second = await authorizeAgain(page, clientId);
      expect(second.consentPages).toEqual([]);
      expect(second.callback.searchParams.get('code')).toEqual(expect.any(String));
      expect(second.callback.searchParams.get('iss')).toBe(broker.issuer);

      // Only the consent cookie left (no broker or IdP session): still no consent page, the
      // browser goes straight to the IdP login. Shows the browser sends the __Host- cookie back.
      await context.clearCookies({ name: new RegExp(`^(?!${CONSENT_COOKIE_PREFIX})`) });
      expect((await context.cookies()).map((cookie) => cookie.name)).toEqual([
        consentCookies[0]!.name,
      ]);
      const third = await authorizeAgain(page, clientId);
      expect(third.consentPages).toEqual([]);
      expect(third.loginShown).toBe(true);
      expect(third.callback.searchParams.get('code')).toEqual(expect.any(String));
    },
    TEST_TIMEOUT,
  );

  it(
    "SPEC-MUST 26: the consent page cannot be framed by another origin (frame-ancestors 'none', X-Frame-Options DENY)",
    async () => {
      const clientId = await registerNativeClient('Framing Test Client');
      const page = await newPage();
      await page.goto(
        authorizeUrl(broker.issuer, {
          clientId,
          redirectUri: redirectUri(),
          scope: SCOPES.join(' '),
          challenge: pkcePair().challenge,
        }),
      );
      await page.waitForSelector('#allow');
      const consentUrl = page.url();
      const controlUrl = `${client.origin}/frameable`;

      const framedResponse = page.waitForResponse(
        (response) =>
          response.url() === consentUrl && response.request().frame() !== page.mainFrame(),
      );
      await page.goto(
        `${framer.origin}/?${new URLSearchParams({ src: consentUrl, control: controlUrl })}`,
        { waitUntil: 'load' },
      );
      // The broker did answer the framed request with the consent page; only the browser refuses it.
      const response = await framedResponse;
      expect(response.status()).toBe(200);
      const headers = await response.allHeaders();
      expect(headers['x-frame-options']).toBe('DENY');
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");

      // Frames work on this page (the control of another origin renders) ...
      const control = page.frame({ url: controlUrl });
      expect(control).not.toBeNull();
      expect(await control!.textContent('#frameable')).toBe('framed fine');
      // ... but no frame shows the consent page.
      const victim = await (await page.$('#victim'))!.contentFrame();
      expect(victim).not.toBeNull();
      expect(victim!.url()).not.toBe(consentUrl);
      for (const frame of page.frames()) {
        expect(await frameHasAllowButton(frame)).toBe(false);
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'SPEC-MUST 26: Deny returns to the redirect URI with error=access_denied, the state and iss (RFC 9207)',
    async () => {
      const clientId = await registerNativeClient('Deny Test Client');
      const state = randomBytes(12).toString('hex');
      const page = await newPage();
      await page.goto(
        authorizeUrl(broker.issuer, {
          clientId,
          redirectUri: redirectUri(),
          scope: SCOPES.join(' '),
          state,
          challenge: pkcePair().challenge,
        }),
      );
      await page.waitForSelector('#deny');

      const [decision] = await Promise.all([
        page.waitForResponse(isConsentPost),
        page.click('#deny'),
      ]);
      expect(await describeResponse(decision)).toEqual({ status: 303 });
      const callback = await waitForClientCallback(page);
      expect(callback.searchParams.get('error')).toBe('access_denied');
      expect(callback.searchParams.get('code')).toBeNull();
      expect(callback.searchParams.get('state')).toBe(state);
      expect(callback.searchParams.get('iss')).toBe(broker.issuer);
      expect(
        (await page.context().cookies(broker.issuer)).some((cookie) =>
          cookie.name.startsWith(CONSENT_COOKIE_PREFIX),
        ),
      ).toBe(false);
    },
    TEST_TIMEOUT,
  );
});

function redirectUri(): string {
  return `${client.origin}/callback`;
}

async function registerNativeClient(name: string): Promise<string> {
  const registered = await registerClient(broker.issuer, {
    redirect_uris: [redirectUri()],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    client_name: name,
  });
  expect(registered.status).toBe(201);
  return registered.json.client_id as string;
}

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(20_000);
  return context.newPage();
}

function isConsentPost(response: Response): boolean {
  const request = response.request();
  return (
    request.method() === 'POST' &&
    request.isNavigationRequest() &&
    /\/interaction\/[^/]+\/consent$/.test(new URL(response.url()).pathname)
  );
}

/**
 * `{ status }` for a redirect; for anything else also the page's text and the Origin the browser
 * sent, so a refused form fails with its reason in the diff.
 */
async function describeResponse(
  response: Response,
): Promise<{ status: number; origin?: string | null; text?: string }> {
  const status = response.status();
  if (status >= 300 && status < 400) {
    return { status };
  }
  const origin = await response.request().headerValue('origin');
  const html = await response.text().catch(() => '');
  const text = html.replace(/<(style|title)>[\s\S]*?<\/\1>/g, '');
  return {
    status,
    origin,
    text: text
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  };
}

/** Clicks Allow; the consent form must be accepted (a 303 onwards, not a refusal page). */
async function allowAndExpectRedirect(page: Page): Promise<void> {
  const [decision] = await Promise.all([page.waitForResponse(isConsentPost), page.click('#allow')]);
  expect(await describeResponse(decision)).toEqual({ status: 303 });
}

async function signInAtDemoIdp(page: Page): Promise<void> {
  await page.waitForSelector('#username');
  expect(new URL(page.url()).pathname).toMatch(/^\/demo-idp\//);
  await page.fill('#username', 'demo');
  await page.fill('#password', DEMO_PASSWORD);
  await page.click('#sign-in');
}

async function waitForClientCallback(page: Page): Promise<URL> {
  try {
    await page.waitForURL(isClientCallback, { waitUntil: 'load' });
  } catch (error) {
    // Say where the browser got stuck instead of only that it timed out.
    const text = await page.innerText('body').catch(() => '');
    throw new Error(`did not return to the client: at ${page.url()}: ${text.slice(0, 400)}`, {
      cause: error,
    });
  }
  return new URL(page.url());
}

function isClientCallback(url: URL): boolean {
  return url.origin === client.origin && url.pathname === '/callback';
}

/**
 * Starts another authorization in the page's browser context and follows it back to the client,
 * signing in at the demo IdP if it asks. Records consent pages shown on the way (there should be none).
 */
async function authorizeAgain(
  page: Page,
  clientId: string,
): Promise<{ callback: URL; consentPages: string[]; loginShown: boolean }> {
  const consentPages: string[] = [];
  const onResponse = (response: Response): void => {
    const url = new URL(response.url());
    if (
      response.request().isNavigationRequest() &&
      response.status() === 200 &&
      url.origin === broker.issuer &&
      url.pathname.startsWith('/interaction/')
    ) {
      consentPages.push(url.href);
    }
  };
  page.on('response', onResponse);
  try {
    const { verifier, challenge } = pkcePair();
    const state = randomBytes(12).toString('hex');
    await page.goto(
      authorizeUrl(broker.issuer, {
        clientId,
        redirectUri: redirectUri(),
        scope: SCOPES.join(' '),
        state,
        challenge,
      }),
    );
    // Back at the client, or at the IdP login; the consent page would be a failure.
    await page.locator('#client-done, #username, #allow').first().waitFor();
    if ((await page.$('#allow')) !== null) {
      return { callback: new URL(page.url()), consentPages, loginShown: false };
    }
    const loginShown = (await page.$('#username')) !== null;
    if (loginShown) {
      await signInAtDemoIdp(page);
    }
    const callback = await waitForClientCallback(page);
    expect(callback.searchParams.get('state')).toBe(state);
    const token = await tokenRequest(broker.issuer, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: redirectUri(),
      code_verifier: verifier,
      client_id: clientId,
    });
    expect(token.status).toBe(200);
    return { callback, consentPages, loginShown };
  } finally {
    page.off('response', onResponse);
  }
}

async function frameHasAllowButton(frame: Frame): Promise<boolean> {
  try {
    return (await frame.$('#allow')) !== null || (await frame.content()).includes('id="allow"');
  } catch {
    // A blocked frame holds Chromium's error page, which may refuse evaluation: nothing rendered.
    return false;
  }
}

function escapeAttribute(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
}
