import { type ArgumentsHost, Catch, HttpException, type HttpServer } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { JSONRPC_ERRORS, jsonRpcError } from '@app/mcp-protocol';

/**
 * SPEC-MUST 38 on the MCP routes: what Fastify refuses before any route runs (a body over
 * GATEWAY_BODY_LIMIT_BYTES, a Content-Type it cannot parse) is answered as a JSON-RPC error like
 * the gateway's own refusals. Everything else, and every other route, keeps Nest's answer.
 */
@Catch()
export class McpRefusalFilter extends BaseExceptionFilter {
  constructor(
    adapter: HttpServer,
    private readonly bodyLimit: number,
  ) {
    super(adapter);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    // Nest turns Fastify's own errors into HttpExceptions (413 PayloadTooLarge, 415 …).
    const status =
      exception instanceof HttpException
        ? exception.getStatus()
        : (exception as { statusCode?: unknown }).statusCode;
    if (
      typeof status !== 'number' ||
      status < 400 ||
      status >= 500 ||
      !request.url.startsWith('/mcp/')
    ) {
      super.catch(exception, host);
      return;
    }
    const message =
      status === 413
        ? `the request body is larger than ${this.bodyLimit} bytes`
        : status === 415
          ? 'send the JSON-RPC message as Content-Type: application/json'
          : status === 404
            ? 'no MCP endpoint at this path (the routes are /mcp/<upstream>)'
            : 'the request is malformed';
    void http
      .getResponse<FastifyReply>()
      .code(status)
      .type('application/json')
      .send(JSON.stringify(jsonRpcError(null, JSONRPC_ERRORS.invalidRequest, message)));
  }
}
