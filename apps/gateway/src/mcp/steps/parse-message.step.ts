import { Injectable } from '@nestjs/common';
import { classifyMessage } from '@app/mcp-protocol';
import { GatewayError } from '../../http/gateway-error';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * SPEC-MUST 38 for the MCP wire: a POST carries one JSON-RPC message as `application/json`
 * (415 otherwise), valid UTF-8 JSON (400 −32700 otherwise), and is a request, notification or
 * response (400 −32600 otherwise; batches are refused). The bytes are kept for forwarding.
 */
@Injectable()
export class ParseMessageStep implements McpStep {
  run(exchange: McpExchange): void {
    const type = (exchange.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      throw new GatewayError(
        'unsupported_media_type',
        'send the JSON-RPC message as Content-Type: application/json',
      );
    }
    const body = exchange.request.body;
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw new GatewayError('parse_error', 'the request has no body');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(utf8.decode(body));
    } catch {
      throw new GatewayError('parse_error', 'the body is not valid UTF-8 JSON');
    }
    const verdict = classifyMessage(parsed);
    if (!verdict.ok) {
      throw new GatewayError('invalid_message', verdict.message);
    }
    exchange.body = body;
    exchange.message = verdict.message;
  }
}
