/**
 * The gateway resources (RFC 8707) we issue tokens for, and the one spelling of each: the token's
 * `aud` is this canonical URL, so the gateway compares audiences exactly.
 *
 * A resource names the gateway's base URL, its aggregated endpoint `/mcp`, or one upstream route
 * `/mcp/<name>`, and is canonicalised by the WHATWG URL parser: scheme and host lower-cased,
 * a default port dropped, an empty path or a lone trailing slash on the base written as the
 * base. What the parser would rewrite in the path is refused instead of resolved, so `aud` never
 * names a route other than the one the client wrote: dot segments (`/./`, `/../`) and
 * percent-encoded dots, backslashes, whitespace and control characters. Userinfo, a query or a
 * fragment are refused too.
 */
export function canonicalGatewayResource(
  resource: string,
  gatewayPublicUrl: string,
): string | undefined {
  const written = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)([^?#]*)$/i.exec(resource);
  if (
    written === null ||
    /[\\\s]|%2e/i.test(resource) ||
    [...resource].some((char) => char <= ' ' || char === '\u007f') ||
    written[1]!.includes('@') ||
    written[2]!.split('/').some((segment) => segment === '.' || segment === '..')
  ) {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return undefined;
  }
  const gateway = new URL(gatewayPublicUrl);
  if (url.origin !== gateway.origin || url.username !== '' || url.password !== '') {
    return undefined;
  }
  const base = gateway.pathname.replace(/\/$/, '');
  const root = `${gateway.origin}${base}`;
  const path = url.pathname;
  if (path === base || path === `${base}/`) {
    return root;
  }
  const route = path.slice(base.length);
  return path.startsWith(`${base}/`) && /^\/mcp(\/[A-Za-z0-9._~-]{1,128})?$/.test(route)
    ? `${root}${route}`
    : undefined;
}

/**
 * The upstream a gateway resource routes to: `<name>` of a `/mcp/<name>` resource (in any
 * spelling that canonicalises), undefined for the base URL, `/mcp`, and anything not the
 * gateway. The broker issues `/mcp/<name>` tokens only while `<name>` is a registered upstream.
 */
export function gatewayResourceUpstream(
  resource: string,
  gatewayPublicUrl: string,
): string | undefined {
  const canonical = canonicalGatewayResource(resource, gatewayPublicUrl);
  const aggregated = defaultGatewayResource(gatewayPublicUrl);
  return canonical?.startsWith(`${aggregated}/`)
    ? canonical.slice(aggregated.length + 1)
    : undefined;
}

/** Whether `resource` names the gateway (in any spelling that canonicalises; see above). */
export function isGatewayResource(resource: string, gatewayPublicUrl: string): boolean {
  return canonicalGatewayResource(resource, gatewayPublicUrl) !== undefined;
}

/** The resource (and token audience) when a client names none: the gateway's aggregated endpoint. */
export function defaultGatewayResource(gatewayPublicUrl: string): string {
  return `${gatewayPublicUrl.replace(/\/$/, '')}/mcp`;
}
