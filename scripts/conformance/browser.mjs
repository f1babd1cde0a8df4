// The browser side of the authorization request, played over plain HTTP (the same walk as
// test/support/browser-agent.ts + oauth-flow.ts, which a plain Node script cannot import).
import { log } from './common.mjs';

/** Plain-HTTP browser stand-in: cookies per origin, redirects followed by hand. */
class BrowserAgent {
  jar = new Map();

  get(url, headers = {}) {
    return this.request(url, { method: 'GET', headers });
  }

  postForm(url, form, headers = {}) {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** Follows redirects until one leaves for `stopAt` (returned, not fetched) or a page is reached. */
  async follow(response, from, stopAt) {
    let current = response;
    let url = from;
    for (let hops = 0; hops < 20; hops += 1) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || location === null) {
        return { response: current, url };
      }
      url = new URL(location, url).href;
      if (stopAt(new URL(url))) return { response: current, url };
      current = await this.get(url);
    }
    throw new Error('too many redirects');
  }

  cookieHeader(url) {
    const cookies = this.jar.get(new URL(url).origin);
    return cookies === undefined ? '' : [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(url, init) {
    const cookie = this.cookieHeader(url);
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(cookie === '' ? {} : { cookie }), ...init.headers },
    });
    for (const line of response.headers.getSetCookie()) this.store(url, line);
    return response;
  }

  store(url, line) {
    const origin = new URL(url).origin;
    const [pair, ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const cookies = this.jar.get(origin) ?? new Map();
    const expired = attributes.some(
      (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a),
    );
    if (expired || value === '') cookies.delete(name);
    else cookies.set(name, value);
    this.jar.set(origin, cookies);
  }
}

function unescapeHtml(value) {
  return value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

/** A page's visible text, shortened, for error messages. */
function pageText(html) {
  const text = unescapeHtml(
    html
      .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The first form of a page: its action and fields (hidden inputs included). */
function readForm(html) {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (form === null) throw new Error(`no form in page: ${pageText(html)}`);
  const fields = {};
  for (const input of form[2].matchAll(/<input[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(input[0]);
    const value = /value="([^"]*)"/.exec(input[0]);
    if (name !== null) fields[name[1]] = value === null ? '' : unescapeHtml(value[1]);
  }
  return { action: unescapeHtml(form[1]), fields };
}

/** Whether `url` is the client's redirect target (same scheme, host, port and path). */
function sameTarget(url, redirectUri) {
  const target = new URL(redirectUri);
  return (
    url.protocol === target.protocol &&
    url.hostname === target.hostname &&
    url.port === target.port &&
    url.pathname === target.pathname
  );
}

/**
 * Walks the browser side of an authorization request from `authorizationUrl`: consent (allow),
 * demo IdP login, back to the redirect URI, which is returned (not fetched).
 */
export async function authorizeInBrowser(authorizationUrl, issuer, redirectUri, password) {
  const agent = new BrowserAgent();
  const isTarget = (url) => sameTarget(url, redirectUri);
  let step = await agent.follow(await agent.get(authorizationUrl), authorizationUrl, isTarget);
  for (let i = 0; i < 6; i += 1) {
    if (isTarget(new URL(step.url)) && step.response.status >= 300) {
      return new URL(step.url);
    }
    const html = await step.response.text();
    if (step.response.status !== 200) {
      throw new Error(`unexpected ${step.response.status} at ${step.url}: ${pageText(html)}`);
    }
    const form = readForm(html);
    const action = new URL(form.action, step.url).href;
    let posted;
    if (action.includes('/consent')) {
      log(`consent page ${new URL(step.url).pathname}: allow`);
      posted = await agent.postForm(
        action,
        { ...form.fields, decision: 'allow' },
        { origin: new URL(issuer).origin },
      );
    } else {
      log(`login page ${new URL(step.url).pathname}: signing in as demo`);
      posted = await agent.postForm(action, { ...form.fields, username: 'demo', password });
    }
    step = await agent.follow(posted, action, isTarget);
  }
  throw new Error(`the flow did not reach ${redirectUri}; last at ${step.url}`);
}
