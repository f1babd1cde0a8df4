import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * The MCP headers both hand-written proxies pass on, each way. A fixed allow-list (not a copy of
 * everything minus hop-by-hop headers) so the client's Authorization never travels upstream.
 */
const REQUEST_HEADERS = ['content-type', 'accept', 'mcp-protocol-version', 'mcp-session-id'];
// Content-Length passes through when the upstream sent one, so the answer is not re-chunked.
const RESPONSE_HEADERS = ['content-type', 'content-length', 'mcp-session-id'];

function pick(
  from: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
  names: readonly string[],
): OutgoingHttpHeaders {
  const picked: OutgoingHttpHeaders = {};
  for (const name of names) {
    const value = from[name];
    if (value !== undefined) {
      picked[name] = value;
    }
  }
  return picked;
}

export const upstreamRequestHeaders = (headers: IncomingHttpHeaders) =>
  pick(headers, REQUEST_HEADERS) as Record<string, string>;
export const clientResponseHeaders = (
  headers: Record<string, string | string[] | undefined>,
): OutgoingHttpHeaders => pick(headers, RESPONSE_HEADERS);
