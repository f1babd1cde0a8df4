import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { LOGGER } from '@app/observability';
import { GatewayError } from '../http/gateway-error';
import { mapGatewayError } from '../http/gateway-error.map';
import { GatewayMetrics, methodLabel } from '../metrics/gateway-metrics';
import { GatewayCallTrail } from '../trail/gateway-call-trail';
import { recordCall } from '../trail/record-call';
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
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) config: GatewayConfig,
    private readonly metrics: GatewayMetrics,
    private readonly trail: GatewayCallTrail,
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
    const started = performance.now();
    const startedAt = Date.now();
    let failure: GatewayError | undefined;
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
        // Our own defects at error; an upstream, the broker or a key server failing at warn.
        this.logger[known.code === 'internal_error' ? 'error' : 'warn'](
          {
            err: known.details.cause ?? error,
            correlation_id: req.id,
            code: known.code,
            upstream: route,
          },
          'mcp request failed',
        );
      }
      failure = known;
      await this.refuse(known, route, reply, exchange);
    } finally {
      const message = exchange.message;
      this.metrics.request(
        'transparent',
        methodLabel(method, message?.kind === 'response' ? 'response' : message?.method),
        reply.statusCode,
        (performance.now() - started) / 1000,
      );
      recordCall(this.trail, exchange, failure, startedAt, performance.now() - started);
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
