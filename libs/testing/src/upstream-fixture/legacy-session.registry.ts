// The 2025-era half of the fixture: real sessions (MCP-Session-Id, GET stream, DELETE,
// Last-Event-ID replay, server-to-client requests), which createMcpHandler's own legacy leg does
// not offer (it is stateless and answers GET/DELETE with 405). The SDK's documented way is to route
// legacy requests in user land to a sessionful WebStandardStreamableHTTPServerTransport.
import { randomUUID } from 'node:crypto';
import {
  WebStandardStreamableHTTPServerTransport,
  type McpServer,
  type McpServerFactory,
} from '@modelcontextprotocol/server';
import { InMemoryEventStore } from './in-memory-event-store';

interface LegacySession {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
}

/** Tells a client to retry a polled SSE stream quickly (SEP-1699), so tests do not wait. */
const RETRY_INTERVAL_MS = 500;

function jsonRpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });
}

async function isInitialize(request: Request): Promise<boolean> {
  if (request.method !== 'POST') {
    return false;
  }
  try {
    const body: unknown = await request.clone().json();
    const messages = Array.isArray(body) ? body : [body];
    return messages.some(
      (m) =>
        typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'initialize',
    );
  } catch {
    return false;
  }
}

export class LegacySessionRegistry {
  private readonly sessions = new Map<string, LegacySession>();

  constructor(private readonly factory: McpServerFactory) {}

  get size(): number {
    return this.sessions.size;
  }

  async handle(request: Request): Promise<Response> {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId !== null) {
      const session = this.sessions.get(sessionId);
      // 404 tells the client (and a gateway in front) that the session is gone: re-initialize.
      return session === undefined
        ? jsonRpcError(404, -32001, 'Session not found')
        : session.transport.handleRequest(request);
    }
    if (!(await isInitialize(request))) {
      return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    }
    return this.open(request);
  }

  async closeAll(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(open.map(({ server }) => server.close()));
  }

  private async open(request: Request): Promise<Response> {
    const server = (await this.factory({ era: 'legacy', requestInfo: request })) as McpServer;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new InMemoryEventStore(),
      retryInterval: RETRY_INTERVAL_MS,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, server });
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) {
        this.sessions.delete(transport.sessionId);
      }
    };
    await server.connect(transport);
    return transport.handleRequest(request);
  }
}
