// A local reverse proxy between the conformance CLI and an MCP endpoint that needs a credential
// (the gateway's /mcp/{upstream} route): it sets `Authorization: <value>` on every request and
// leaves every other header as the CLI sent it — Host and Origin included, so the DNS-rebinding
// scenario still tests the far side — and streams bodies both ways without buffering (SSE frames
// are written as they arrive). Node 20, node:http in, undici out.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from './common.mjs';

const { request } = createRequire(path.join(ROOT, 'package.json'))('undici');

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

/** [name, value, …] without hop-by-hop headers and without any Authorization the client sent. */
function forwardedRequestHeaders(rawHeaders, authorization) {
  const out = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || name === 'authorization') continue;
    out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  if (authorization !== undefined) out.push('Authorization', authorization);
  return out;
}

function responseHeaders(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Starts the shim on a free loopback port. `upstream` is the endpoint every request goes to (its
 * path replaces the shim's; the query string is kept); `authorization` is the header value to set.
 * Resolves with { url, close() }.
 */
export async function startCredentialShim({ upstream, authorization, host = '127.0.0.1' }) {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const query = new URL(req.url ?? '/', 'http://shim').search;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    void (async () => {
      try {
        const upstreamResponse = await request(new URL(`${target.pathname}${query}`, target), {
          method: req.method,
          headers: forwardedRequestHeaders(req.rawHeaders, authorization),
          body: hasBody ? req : undefined,
          signal: controller.signal,
          // Long-lived SSE streams may stay silent; undici's default body timeout would cut them.
          bodyTimeout: 0,
          headersTimeout: 0,
        });
        res.writeHead(upstreamResponse.statusCode, responseHeaders(upstreamResponse.headers));
        res.flushHeaders();
        for await (const chunk of upstreamResponse.body) res.write(chunk);
        res.end();
      } catch (error) {
        if (controller.signal.aborted) return;
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: `credential shim: upstream failed (${error.code ?? error.name})` }));
        } else {
          res.destroy();
        }
      }
    })();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address();
  return {
    url: `http://${host}:${port}${target.pathname}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
