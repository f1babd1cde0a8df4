import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and what a proxy recomputes: never copied either way. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
  'content-length',
]);

/**
 * SPEC-MUST 10: the caller's own credentials never travel upstream — `Authorization`, `X-API-Key`,
 * cookies, and proxy credentials are dropped; `Origin`/`Referer` were checked here and describe the
 * client's page, not the gateway's call. Everything else, every `MCP-*`/`Mcp-*` header, `Last-Event-ID`
 * and `traceparent` included, is forwarded unchanged (SPEC-MUST 12).
 */
const NEVER_UPSTREAM = new Set([
  ...HOP_BY_HOP,
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'cookie',
  'origin',
  'referer',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
]);

/** Upstream cookies would land on the gateway's origin, shared by every upstream: never passed back. */
const NEVER_DOWNSTREAM = new Set([...HOP_BY_HOP, 'set-cookie', 'set-cookie2']);

export function upstreamRequestHeaders(
  inbound: IncomingHttpHeaders,
  host: string,
  injected: Readonly<Record<string, string>>,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(inbound)) {
    if (value !== undefined && !NEVER_UPSTREAM.has(name)) {
      headers[name] = value;
    }
  }
  headers.host = host;
  for (const [name, value] of Object.entries(injected)) {
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

export function downstreamResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value !== undefined && !NEVER_DOWNSTREAM.has(name)) {
      headers[name] = value;
    }
  }
  return headers;
}
