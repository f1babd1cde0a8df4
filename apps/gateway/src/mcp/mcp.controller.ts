import { Controller, Delete, Get, Inject, Param, Patch, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { LOGGER } from '@app/observability';
import { GatewayError } from '../http/gateway-error';
import { mapGatewayError } from '../http/gateway-error.map';
import { McpExchange, type McpHttpMethod } from './mcp-exchange';
import { McpPipeline } from './mcp-pipeline';

/**
 * `/mcp/{upstream}`: the transparent route. Thin: build the exchange, run the pipeline, and let
 * the one error map answer whatever stopped it.
 */
@Controller('mcp')
export class McpController {
  private readonly metadataBase: string;

  constructor(
    private readonly pipeline: McpPipeline,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) config: GatewayConfig,
  ) {
    this.metadataBase = `${config.GATEWAY_PUBLIC_URL}/.well-known/oauth-protected-resource/mcp/`;
  }

  @Post(':upstream')
  post(
    @Param('upstream') upstream: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.handle('POST', upstream, req, reply);
  }

  @Get(':upstream')
  get(
    @Param('upstream') upstream: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Fastify answers HEAD with the GET route; a HEAD must not open the session's GET stream upstream.
    return req.method === 'HEAD'
      ? this.refuse(
          new GatewayError('method_not_allowed', 'HEAD is not an MCP method'),
          upstream,
          reply,
        )
      : this.handle('GET', upstream, req, reply);
  }

  @Put(':upstream')
  put(@Param('upstream') upstream: string, @Res() reply: FastifyReply): Promise<void> {
    return this.refuse(
      new GatewayError('method_not_allowed', 'use POST, GET or DELETE'),
      upstream,
      reply,
    );
  }

  @Patch(':upstream')
  patch(@Param('upstream') upstream: string, @Res() reply: FastifyReply): Promise<void> {
    return this.refuse(
      new GatewayError('method_not_allowed', 'use POST, GET or DELETE'),
      upstream,
      reply,
    );
  }

  @Delete(':upstream')
  remove(
    @Param('upstream') upstream: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.handle('DELETE', upstream, req, reply);
  }

  private async handle(
    method: McpHttpMethod,
    route: string,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const exchange = new McpExchange(req, reply, method, route);
    try {
      await this.pipeline.run(exchange);
    } catch (error) {
      if (reply.sent) {
        this.logger.warn({ err: error, correlation_id: req.id }, 'error after the answer started');
        return;
      }
      const known =
        error instanceof GatewayError
          ? error
          : new GatewayError('internal_error', 'internal error', { cause: error });
      if (!(error instanceof GatewayError) || known.details.cause !== undefined) {
        this.logger.error(
          { err: known.details.cause ?? error, correlation_id: req.id, code: known.code },
          'mcp request failed',
        );
      }
      await this.refuse(known, route, reply, exchange);
    }
  }

  /** Answers an error through the one map, for the request's generation and session. */
  private async refuse(
    error: GatewayError,
    route: string,
    reply: FastifyReply,
    exchange?: McpExchange,
  ): Promise<void> {
    const answer = mapGatewayError(error, {
      id: exchange?.requestId ?? null,
      generation: exchange?.generation ?? 'legacy',
      urlElicitation: exchange?.session?.urlElicitation ?? false,
      resourceMetadata: `${this.metadataBase}${encodeURIComponent(route)}`,
    });
    await reply
      .code(answer.status)
      .headers({ 'content-type': 'application/json', ...answer.headers })
      .send(JSON.stringify(answer.body));
  }
}
