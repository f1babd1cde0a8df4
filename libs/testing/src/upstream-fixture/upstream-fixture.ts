// A real upstream MCP server for tests, the conformance baseline and the demo, built on SDK v2
// (@modelcontextprotocol/server) over plain node:http. It answers both protocol generations on one
// endpoint: 2026-07-28 (stateless, per-request _meta, Mcp-Method/Mcp-Name/Mcp-Param-* checks,
// server/discover, InputRequiredResult, subscriptions/listen) through createMcpHandler, and
// 2025-03-26/06-18/11-25 (initialize, sessions, SSE, GET/DELETE, Last-Event-ID) through sessionful
// transports. It does no auth of its own: it sits behind the gateway, which owns that.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMcpHandler,
  hostHeaderValidationResponse,
  isLegacyRequest,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
} from '@modelcontextprotocol/server';
import { createFixtureServerFactory } from './fixture-server.factory';
import { LegacySessionRegistry } from './legacy-session.registry';
import { readNodeBody, toWebRequest, writeWebResponse } from './node-web-bridge';

export interface UpstreamFixtureOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The MCP endpoint's path; default `/mcp`. */
  path?: string;
  /**
   * Rejects non-localhost Host/Origin headers (the SDK's DNS-rebinding helpers). Off by default:
   * behind the gateway the Host is whatever the gateway sends, and the gateway checks Origin.
   */
  dnsRebindingProtection?: boolean;
}

/** One HTTP request as it reached the fixture, before the MCP layer saw it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** Lower-cased names, as node:http parses them. */
  headers: IncomingHttpHeaders;
  /** Names in their original case and order, duplicates kept: [name, value, name, value, …]. */
  rawHeaders: string[];
  body: string;
  /** Set when the client went away before the response was complete (an abort reached us). */
  aborted: boolean;
}

export interface UpstreamFixture {
  /** The MCP endpoint, e.g. http://127.0.0.1:41234/mcp. */
  url: string;
  received: ReceivedRequest[];
  /** Forgets the received requests (keeps the array instance). */
  clear(): void;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function notFound(): Response {
  return Response.json({ error: 'not found' }, { status: 404 });
}

export async function startUpstreamFixture(
  options: UpstreamFixtureOptions = {},
): Promise<UpstreamFixture> {
  const host = options.host ?? '127.0.0.1';
  const mcpPath = options.path ?? '/mcp';
  const received: ReceivedRequest[] = [];
  // The factory only runs per request, after `modern` exists; list-change tools publish on its bus.
  const factory = createFixtureServerFactory(() => modern.notify);
  const modern = createMcpHandler(factory, { legacy: 'reject' });
  const legacy = new LegacySessionRegistry(factory);

  const route = async (request: Request): Promise<Response> => {
    if (new URL(request.url).pathname !== mcpPath) {
      return notFound();
    }
    if (options.dnsRebindingProtection === true) {
      const rejected =
        hostHeaderValidationResponse(request, localhostAllowedHostnames()) ??
        originValidationResponse(request, localhostAllowedOrigins());
      if (rejected !== undefined) {
        return rejected;
      }
    }
    return (await isLegacyRequest(request)) ? legacy.handle(request) : modern.fetch(request);
  };

  // Set once listening; the request URL is built on it rather than on a Host header that a test
  // (or the DNS-rebinding scenario) may have forged.
  let origin = `http://${host}`;
  const server = createServer((req, res) => {
    const controller = new AbortController();
    const entry: ReceivedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      rawHeaders: [...req.rawHeaders],
      body: '',
      aborted: false,
    };
    received.push(entry);
    res.once('close', () => {
      if (!res.writableFinished) {
        entry.aborted = true;
        controller.abort();
      }
    });
    void (async () => {
      try {
        const body = await readNodeBody(req);
        entry.body = body.toString('utf8');
        const request = toWebRequest(req, body, origin, controller.signal);
        await writeWebResponse(await route(request), res);
      } catch (error) {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
        }
        res.end(
          JSON.stringify({ error: error instanceof Error ? error.message : 'fixture error' }),
        );
      }
    })();
  });
  const address = await listen(server, options.port ?? 0, host);
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${urlHost}:${address.port}`;

  return {
    url: `${origin}${mcpPath}`,
    received,
    clear: () => {
      received.length = 0;
    },
    close: async () => {
      await Promise.allSettled([modern.close(), legacy.closeAll()]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
