import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import { GatewayError } from '../http/gateway-error';
import { GatewayMetrics, methodLabel } from '../metrics/gateway-metrics';
import { GatewayCallTrail } from '../trail/gateway-call-trail';
import { recordCall } from '../trail/record-call';
import type { McpExchange } from './mcp-exchange';

/**
 * What every MCP request goes through around its pipeline, on `/mcp/{upstream}` and on `/mcp`
 * alike: whatever stops the pipeline is answered through the route's refusal (the one error map),
 * logged once (the gateway's own defects at error; an upstream, the broker or a key server failing
 * at warn — with the cause and the correlation id, never a credential); then the request's latency
 * is observed and a tool call leaves its trail record (issue 9 §4, §5), answered or refused.
 */
@Injectable()
export class ExchangeRunner {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly trail: GatewayCallTrail,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async run(
    exchange: McpExchange,
    route: { label: 'transparent' | 'aggregate'; log: Record<string, string> },
    pipeline: () => Promise<void>,
    refuse: (error: GatewayError) => Promise<void>,
  ): Promise<void> {
    const started = performance.now();
    const startedAt = Date.now();
    let failure: GatewayError | undefined;
    try {
      await pipeline();
    } catch (error) {
      if (exchange.reply.sent) {
        this.logger.warn(
          { err: error, correlation_id: exchange.request.id },
          'error after the answer started',
        );
        return;
      }
      const known =
        error instanceof GatewayError
          ? error
          : new GatewayError('internal_error', 'internal error', { cause: error });
      if (!(error instanceof GatewayError) || known.details.cause !== undefined) {
        this.logger[known.code === 'internal_error' ? 'error' : 'warn'](
          {
            err: known.details.cause ?? error,
            correlation_id: exchange.request.id,
            code: known.code,
            ...route.log,
          },
          'mcp request failed',
        );
      }
      failure = known;
      await refuse(known);
    } finally {
      const message = exchange.message;
      const elapsed = performance.now() - started;
      this.metrics.request(
        route.label,
        methodLabel(exchange.method, message?.kind === 'response' ? 'response' : message?.method),
        exchange.reply.statusCode,
        elapsed / 1000,
      );
      recordCall(this.trail, exchange, failure, startedAt, elapsed);
    }
  }
}
