import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { GatewayError } from '../http/gateway-error';
import { mapGatewayError } from '../http/gateway-error.map';
import { ExchangeRunner } from './exchange-runner';
import { McpExchange, type McpHttpMethod } from './mcp-exchange';
import { McpPipeline } from './mcp-pipeline';

/**
 * `/mcp/{upstream}`: the transparent route. Thin: build the exchange, run the pipeline, and let
 * the one error map answer whatever stopped it.
 */
@Injectable()
export class McpController {
  private readonly metadataBase: string;

  constructor(
    private readonly pipeline: McpPipeline,
    private readonly runner: ExchangeRunner,
    @Inject(APP_CONFIG) config: GatewayConfig,
  ) {
    this.metadataBase = `${config.GATEWAY_PUBLIC_URL}/.well-known/oauth-protected-resource/mcp/`;
  }

  /**
   * Registers `/mcp/:upstream` on Fastify itself rather than as a Nest controller: the data
   * plane's hot path skips Nest's router, param decorators and exception zone (measured in
   * bench/gateway), and the pipeline catches everything itself.
   */
  register(fastify: FastifyInstance): void {
    fastify.route<{ Params: { upstream: string } }>({
      method: ['POST', 'GET', 'DELETE', 'PUT', 'PATCH', 'HEAD'],
      url: '/mcp/:upstream',
      // HEAD is refused (405) rather than answered by the GET route, which would open the
      // session's GET stream upstream.
      exposeHeadRoute: false,
      handler: (req, reply) => this.dispatch(req, reply),
    });
  }

  private dispatch(
    req: FastifyRequest<{ Params: { upstream: string } }>,
    reply: FastifyReply,
  ): Promise<void> {
    const route = req.params.upstream;
    switch (req.method) {
      case 'POST':
      case 'GET':
      case 'DELETE':
        return this.handle(req.method, route, req, reply);
      default:
        return this.refuse(
          new GatewayError('method_not_allowed', 'use POST, GET or DELETE'),
          route,
          reply,
        );
    }
  }

  private async handle(
    method: McpHttpMethod,
    route: string,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const exchange = new McpExchange(req, reply, method, route);
    await this.runner.run(
      exchange,
      { label: 'transparent', log: { upstream: route } },
      () => this.pipeline.run(exchange),
      (error) => this.refuse(error, route, reply, exchange),
    );
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
