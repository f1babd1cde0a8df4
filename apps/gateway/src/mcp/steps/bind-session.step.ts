import { Injectable } from '@nestjs/common';
import { GatewayError } from '../../http/gateway-error';
import { SessionStore } from '../../sessions/session.store';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';

/**
 * SPEC-MUST 9 and 17: a legacy `MCP-Session-Id` is usable only by the principal that initialized
 * it, on the route it was created on (its one upstream session). Unknown, or someone else's → 404
 * (the answer for a session that does not exist, so ids cannot be probed; the client
 * re-initializes). The binding is written when the upstream answers `initialize` (forward step).
 */
@Injectable()
export class BindSessionStep implements McpStep {
  constructor(private readonly sessions: SessionStore) {}

  async run(exchange: McpExchange): Promise<void> {
    const sessionId = exchange.header('mcp-session-id');
    if (sessionId === undefined || exchange.generation === 'modern') {
      return;
    }
    if (sessionId.length > 256 || !/^[\x21-\x7e]+$/.test(sessionId)) {
      throw new GatewayError('invalid_message', 'the MCP-Session-Id header is malformed');
    }
    const binding = await this.sessions.find(exchange.routeName, sessionId);
    if (binding === undefined || binding.principal !== exchange.principal!.key) {
      throw new GatewayError('session_not_found', 'Session not found');
    }
    exchange.sessionId = sessionId;
    exchange.session = binding;
  }
}
