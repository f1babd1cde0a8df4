import { Injectable } from '@nestjs/common';
import { FIRST_MODERN_PROTOCOL_VERSION } from '@app/mcp-protocol';
import { GatewayError } from '../../http/gateway-error';
import { type AggregateAnswer, type AggregateMethod, paramsOf, result } from '../aggregate-answer';
import type { AggregateExchange } from '../aggregate-exchange';
import { AggregateSessionStore } from '../aggregate-session.store';
import type { JsonObject } from '../upstream-rpc';

/** Legacy versions the aggregate speaks, newest first (the first is offered otherwise). */
const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'];
const SERVER_INFO = {
  name: 'mcp-auth-gateway',
  title: 'MCP auth gateway (aggregate)',
  version: '1.0.0',
};
const CAPABILITIES: JsonObject = {
  tools: { listChanged: true },
  resources: { listChanged: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
};

/**
 * The aggregate's own lifecycle: the gateway is the server the client talks to, so it answers
 * `initialize` itself (its serverInfo and capabilities; a new random session bound to the
 * principal, SPEC-MUST 9 — upstream sessions are opened lazily, upstream-caller.ts), the
 * 2026-07-28 `server/discover`, and `ping`. Client notifications (initialized, cancelled, …) are
 * accepted (202); they concern the gateway's session, not one upstream's.
 */
@Injectable()
export class LifecycleMethod implements AggregateMethod {
  readonly methods = ['initialize', 'server/discover', 'ping', 'notifications/initialized'];

  constructor(private readonly sessions: AggregateSessionStore) {}

  async handle(exchange: AggregateExchange): Promise<AggregateAnswer> {
    const message = exchange.message!;
    if (message.kind !== 'request') {
      return { status: 202 };
    }
    switch (message.method) {
      case 'initialize':
        return this.initialize(exchange);
      case 'server/discover':
        return result(exchange.requestId, {
          supportedVersions: [FIRST_MODERN_PROTOCOL_VERSION],
          capabilities: CAPABILITIES,
          ttlMs: 0,
          cacheScope: 'private',
          _meta: { 'io.modelcontextprotocol/serverInfo': SERVER_INFO },
        });
      default:
        return result(exchange.requestId, {});
    }
  }

  private async initialize(exchange: AggregateExchange): Promise<AggregateAnswer> {
    const params = paramsOf(exchange);
    const asked = params.protocolVersion;
    if (typeof asked !== 'string' || asked === '' || asked.length > 64) {
      throw new GatewayError('invalid_params', 'initialize needs params.protocolVersion');
    }
    const version = LEGACY_VERSIONS.includes(asked) ? asked : LEGACY_VERSIONS[0]!;
    const session = await this.sessions.create({
      principal: exchange.principal!.key,
      subject: exchange.principal!.subject,
      version,
      capabilities: objectOr(params.capabilities),
      clientInfo: objectOr(params.clientInfo),
    });
    exchange.aggregateSession = session;
    return {
      ...result(exchange.requestId, {
        protocolVersion: version,
        capabilities: CAPABILITIES,
        serverInfo: SERVER_INFO,
        instructions:
          'Tools and prompts of every MCP server behind this gateway, named <server>.<name>.',
      }),
      headers: { 'mcp-session-id': session.id },
    };
  }
}

function objectOr(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : {};
}
