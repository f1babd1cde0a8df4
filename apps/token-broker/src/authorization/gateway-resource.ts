/**
 * Whether `resource` (RFC 8707) names the gateway: its base URL, its aggregated endpoint `/mcp`, or
 * one upstream route `/mcp/<name>`. Anything else is `invalid_target`: we issue tokens for the
 * gateway only.
 */
export function isGatewayResource(resource: string, gatewayPublicUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return false;
  }
  const gateway = new URL(gatewayPublicUrl);
  if (url.origin !== gateway.origin || url.search !== '' || resource.includes('#')) {
    return false;
  }
  if (url.username !== '' || url.password !== '') {
    return false;
  }
  const base = gateway.pathname.replace(/\/$/, '');
  const path = url.pathname;
  return (
    path === base ||
    path === `${base}/` ||
    path === `${base}/mcp` ||
    /^\/mcp\/[A-Za-z0-9._~-]{1,128}$/.test(path.slice(base.length))
  );
}

/** The resource (and token audience) when a client names none: the gateway's aggregated endpoint. */
export function defaultGatewayResource(gatewayPublicUrl: string): string {
  return `${gatewayPublicUrl.replace(/\/$/, '')}/mcp`;
}
