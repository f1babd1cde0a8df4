import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { GatewayError } from '../http/gateway-error';
import { mapGatewayError } from '../http/gateway-error.map';
import type { McpHttpMethod } from '../mcp/mcp-exchange';
import { ExchangeRunner } from '../mcp/exchange-runner';
import { AggregateExchange } from './aggregate-exchange';
import { AGGREGATE_ROUTE } from './aggregate-names';
import { AggregatePipeline } from './aggregate-pipeline';

/**
 * `/mcp`: the aggregated virtual MCP server over every upstream the caller may use (issue 9 §1).
 * Hand-written over libs/mcp-protocol and undici, not the SDK's Server/Client classes: an
 * aggregate session must be servable by any gateway replica (its state is in Redis and upstream
 * sessions are addressed by their ids from any replica), while SDK clients keep sessions in
 * process. Thin, like McpController: build the exchange, run the pipeline, one error map.
 */
@Injectable()
export class AggregateController {
  private readonly resource: string;
  private readonly metadata: string;

  constructor(
    private readonly pipeline: AggregatePipeline,
    private readonly runner: ExchangeRunner,
    @Inject(APP_CONFIG) config: GatewayConfig,
  ) {
    this.resource = `${config.GATEWAY_PUBLIC_URL}/mcp`;
    this.metadata = `${config.GATEWAY_PUBLIC_URL}/.well-known/oauth-protected-resource/mcp`;
  }

  register(fastify: FastifyInstance): void {
    fastify.route({
      method: ['POST', 'GET', 'DELETE', 'PUT', 'PATCH', 'HEAD'],
      url: '/mcp',
      exposeHeadRoute: false,
      handler: (req, reply) => this.dispatch(req, reply),
    });
  }

  private dispatch(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    switch (req.method) {
      case 'POST':
      case 'GET':
      case 'DELETE':
        return this.handle(req.method, req, reply);
      default:
        return this.refuse(
          new GatewayError('method_not_allowed', 'use POST, GET or DELETE'),
          reply,
        );
    }
  }

  private async handle(
    method: McpHttpMethod,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const exchange = new AggregateExchange(req, reply, method, AGGREGATE_ROUTE);
    exchange.resource = this.resource;
    await this.runner.run(
      exchange,
      { label: 'aggregate', log: { route: '/mcp' } },
      () => this.pipeline.run(exchange),
      (error) => this.refuse(error, reply, exchange),
    );
  }

  private async refuse(
    error: GatewayError,
    reply: FastifyReply,
    exchange?: AggregateExchange,
  ): Promise<void> {
    const elicitation = exchange?.aggregateSession?.capabilities.elicitation as
      { url?: unknown } | undefined;
    const answer = mapGatewayError(error, {
      id: exchange?.requestId ?? null,
      generation: exchange?.generation ?? 'legacy',
      urlElicitation: elicitation?.url !== undefined,
      resourceMetadata: this.metadata,
    });
    await reply
      .code(answer.status)
      .headers({ 'content-type': 'application/json', ...answer.headers })
      .send(JSON.stringify(answer.body));
  }
}
