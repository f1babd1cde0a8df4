import { createHash, randomBytes } from 'node:crypto';
import { BrowserAgent, readForm } from './browser-agent';
import { DEMO_PASSWORD } from './authorization-server.harness';

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface AuthorizeOptions {
  clientId: string;
  redirectUri: string;
  scope?: string;
  resource?: string;
  state?: string;
  challenge?: string;
  extra?: Record<string, string>;
}

export function authorizeUrl(issuer: string, options: AuthorizeOptions): string {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    state: options.state ?? randomBytes(8).toString('hex'),
    ...(options.challenge === undefined
      ? {}
      : { code_challenge: options.challenge, code_challenge_method: 'S256' }),
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    ...(options.resource === undefined ? {} : { resource: options.resource }),
    ...options.extra,
  });
  return `${issuer}/authorize?${params}`;
}

/**
 * Walks the whole browser side of an authorization request: consent page (allow), demo IdP
 * login, back to the client's redirect URI, which is returned (not fetched) with its parameters.
 */
export async function authorizeInBrowser(
  agent: BrowserAgent,
  issuer: string,
  options: AuthorizeOptions,
  behaviour: { decision?: 'allow' | 'deny'; password?: string; username?: string } = {},
): Promise<{ redirect: URL; consentShown: boolean; loginShown: boolean }> {
  const isClient = (url: URL) =>
    url.href.startsWith(options.redirectUri.replace(/:\d+\//, (m) => m));
  const start = authorizeUrl(issuer, options);
  let step = await agent.follow(await agent.get(start), start, (u) =>
    sameTarget(u, options.redirectUri),
  );
  let consentShown = false;
  let loginShown = false;
  for (let i = 0; i < 6; i += 1) {
    if (sameTarget(new URL(step.url), options.redirectUri) && step.response.status >= 300) {
      return { redirect: new URL(step.url), consentShown, loginShown };
    }
    const html = await step.response.text();
    if (step.response.status !== 200) {
      throw new Error(`unexpected ${step.response.status} at ${step.url}: ${html.slice(0, 400)}`);
    }
    const form = readForm(html);
    const action = new URL(form.action, step.url).href;
    let posted: Response;
    if (action.includes('/session/end/confirm')) {
      // The engine ending the previous account's session (an auto-submitting form in a browser).
      posted = await agent.postForm(action, form.fields);
    } else if (action.includes('/consent')) {
      consentShown = true;
      posted = await agent.postForm(
        action,
        { ...form.fields, decision: behaviour.decision ?? 'allow' },
        { origin: new URL(issuer).origin },
      );
    } else {
      loginShown = true;
      posted = await agent.postForm(action, {
        username: behaviour.username ?? 'demo',
        password: behaviour.password ?? DEMO_PASSWORD,
      });
    }
    step = await agent.follow(posted, action, (u) => sameTarget(u, options.redirectUri));
  }
  void isClient;
  throw new Error(`flow did not reach ${options.redirectUri}; last at ${step.url}`);
}

/** Whether `url` is the redirect target (same origin and path; loopback port may differ). */
function sameTarget(url: URL, redirectUri: string): boolean {
  const target = new URL(redirectUri);
  return (
    url.protocol === target.protocol &&
    url.hostname === target.hostname &&
    url.pathname === target.pathname &&
    url.port === target.port
  );
}

export async function tokenRequest(
  issuer: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: any }> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json };
}

export async function registerClient(
  issuer: string,
  metadata: Record<string, unknown>,
): Promise<{ status: number; json: any }> {
  const response = await fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  return { status: response.status, json: await response.json() };
}
