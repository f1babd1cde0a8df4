import { Injectable } from '@nestjs/common';
import {
  checkMirroredHeaders,
  checkParamHeaders,
  classifyGeneration,
  JSONRPC_ERRORS,
} from '@app/mcp-protocol';
import { GatewayError } from '../../http/gateway-error';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';
import { ToolParamHeaders } from '../tool-param-headers';

/**
 * 2026-07-28 versioning: the generation is decided per request from the body's
 * `_meta["io.modelcontextprotocol/protocolVersion"]`, the `MCP-Protocol-Version` header only
 * cross-checks. SPEC-MUST 16: on a 2026-07-28 request the mirrored `Mcp-Method`/`Mcp-Name` must
 * agree with the body before any later step routes or decides on the method or the tool name
 * (400, −32020 HeaderMismatch); so must the `Mcp-Param-*` headers of a tool whose schema the
 * gateway has relayed in a tools/list (others are checked by their upstream).
 */
@Injectable()
export class DetectGenerationStep implements McpStep {
  constructor(private readonly paramHeaders: ToolParamHeaders) {}

  run(exchange: McpExchange): void {
    const message = exchange.message!;
    const verdict = classifyGeneration(message, exchange.header('mcp-protocol-version'));
    if (!verdict.ok) {
      throw new GatewayError(
        verdict.code === JSONRPC_ERRORS.headerMismatch ? 'header_mismatch' : 'invalid_params',
        verdict.message,
      );
    }
    exchange.generation = verdict.generation;
    if (verdict.generation === 'modern') {
      const mirror = checkMirroredHeaders(
        message,
        exchange.header('mcp-method'),
        exchange.header('mcp-name'),
      );
      if (!mirror.ok) {
        throw new GatewayError('header_mismatch', mirror.message);
      }
      const tool = exchange.toolName;
      if (tool !== undefined) {
        const params = checkParamHeaders(
          this.paramHeaders.declarations(exchange.routeName, tool),
          message.kind === 'request' ? message.params?.arguments : undefined,
          (name) => exchange.header(name),
        );
        if (!params.ok) {
          throw new GatewayError('header_mismatch', params.message);
        }
      }
    }
  }
}
