import { Injectable } from '@nestjs/common';
import { GatewayError } from '../../http/gateway-error';
import type { McpStep } from '../../mcp/mcp-step';
import type { AggregateExchange } from '../aggregate-exchange';
import { AggregateSessionStore } from '../aggregate-session.store';

/**
 * SPEC-MUST 9 on `/mcp`: a legacy request after `initialize` names its gateway session
 * (`MCP-Session-Id`, 400 without), which must exist and belong to this principal — unknown or
 * someone else's → 404, as on the transparent route (ids cannot be probed; the client
 * re-initializes). 2026-07-28 requests are stateless and carry no session.
 */
@Injectable()
export class BindAggregateSessionStep implements McpStep {
  constructor(private readonly sessions: AggregateSessionStore) {}

  async run(exchange: AggregateExchange): Promise<void> {
    if (exchange.generation === 'modern') {
      return;
    }
    const message = exchange.message;
    if (message?.kind === 'request' && message.method === 'initialize') {
      return;
    }
    const sessionId = exchange.header('mcp-session-id');
    if (sessionId === undefined) {
      throw new GatewayError(
        'invalid_message',
        'Mcp-Session-Id header is required (initialize first)',
      );
    }
    if (sessionId.length > 256 || !/^[\x21-\x7e]+$/.test(sessionId)) {
      throw new GatewayError('invalid_message', 'the MCP-Session-Id header is malformed');
    }
    const session = await this.sessions.find(sessionId);
    if (session === undefined || session.principal !== exchange.principal!.key) {
      throw new GatewayError('session_not_found', 'Session not found');
    }
    exchange.sessionId = sessionId;
    exchange.aggregateSession = session;
  }
}
