/**
 * A browser stand-in for OAuth flows over plain HTTP: keeps cookies per origin (honouring Path
 * loosely), follows redirects by hand so each hop can be inspected, and reads forms from HTML.
 * Chromium tests cover what a real browser adds (cookie prefixes, framing, CSP).
 */
export class BrowserAgent {
  /** origin → cookie name → value and path (a cookie is sent only under its path, as browsers do). */
  private readonly jar = new Map<string, Map<string, { value: string; path: string }>>();

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(url, { method: 'GET', headers });
  }

  async postForm(
    url: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** Follows redirects from `response` until one leaves for `stopAt` (returned, not fetched) or a page is reached. */
  async follow(
    response: Response,
    from: string,
    stopAt?: (url: URL) => boolean,
  ): Promise<{ response: Response; url: string }> {
    let current = response;
    let url = from;
    for (let hops = 0; hops < 20; hops += 1) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || location === null) {
        return { response: current, url };
      }
      url = new URL(location, url).href;
      if (stopAt?.(new URL(url))) {
        return { response: current, url };
      }
      current = await this.get(url);
    }
    throw new Error('too many redirects');
  }

  /** Puts a cookie in the jar as if the origin had set it (path /). */
  setCookie(url: string, name: string, value: string): void {
    const origin = new URL(url).origin;
    const cookies = this.jar.get(origin) ?? new Map<string, { value: string; path: string }>();
    cookies.set(name, { value, path: '/' });
    this.jar.set(origin, cookies);
  }

  cookieHeader(url: string): string {
    const { origin, pathname } = new URL(url);
    const cookies = this.jar.get(origin);
    if (cookies === undefined) {
      return '';
    }
    return [...cookies]
      .filter(
        ([, c]) =>
          pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
      )
      .map(([k, c]) => `${k}=${c.value}`)
      .join('; ');
  }

  /** Every cookie of an origin, whatever its path. */
  allCookieValues(url: string): Array<[string, string]> {
    return [...(this.jar.get(new URL(url).origin) ?? [])].map(([k, c]) => [k, c.value]);
  }

  cookieNames(url: string): string[] {
    return [...(this.jar.get(new URL(url).origin)?.keys() ?? [])];
  }

  private async request(
    url: string,
    init: RequestInit & { headers: Record<string, string> },
  ): Promise<Response> {
    const cookie = this.cookieHeader(url);
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(cookie === '' ? {} : { cookie }), ...init.headers },
    });
    for (const line of response.headers.getSetCookie()) {
      this.store(url, line);
    }
    return response;
  }

  private store(url: string, line: string): void {
    const origin = new URL(url).origin;
    const [pair, ...attributes] = line.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const cookies = this.jar.get(origin) ?? new Map<string, { value: string; path: string }>();
    const pathAttribute = attributes.map((a) => /^\s*path=(.*)$/i.exec(a)).find((m) => m !== null);
    const path = pathAttribute?.[1]?.trim() || '/';
    const expired = attributes.some(
      (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a),
    );
    if (expired || value === '') {
      cookies.delete(name);
    } else {
      cookies.set(name, { value, path });
    }
    this.jar.set(origin, cookies);
  }
}

/** The fields of the first form in an HTML page (hidden inputs included) and its action. */
export function readForm(html: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (form === null) {
    throw new Error(`no form in page: ${html.slice(0, 300)}`);
  }
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(input[0]);
    const value = /value="([^"]*)"/.exec(input[0]);
    if (name !== null) {
      fields[name[1]!] = value === null ? '' : unescape(value[1]!);
    }
  }
  return { action: unescape(form[1]!), fields };
}

function unescape(value: string): string {
  return value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
