// What the client declared it can answer: on 2026-07-28 the request's own _meta envelope says so
// (the SDK types that envelope as an empty object, hence the lookup by key); on a 2025 session the
// capabilities sent at initialize hold.
import {
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';

export function declaredCapabilities(ctx: ServerContext, server: McpServer): ClientCapabilities {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const perRequest = envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
  return perRequest ?? server.server.getClientCapabilities() ?? {};
}
