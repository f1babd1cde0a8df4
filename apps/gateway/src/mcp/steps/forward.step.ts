import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import { GatewayError } from '../../http/gateway-error';
import { GatewayMetrics } from '../../metrics/gateway-metrics';
import { GATEWAY_REQUEST_STATE_PREFIX } from '../../remedies/auth-required.encoder';
import { upstreamRequestHeaders } from '../../upstreams/forward-headers';
import { UpstreamClient } from '../../upstreams/upstream.client';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';
import { ResponseRelay } from '../response-relay';

/**
 * SPEC-MUST 10, 12–15: the request goes to the upstream with the caller's credentials removed and
 * the obtained one added, the body bytes as read (re-encoded only to take out a `requestState` the
 * gateway issued). A client that goes away aborts the upstream request (SPEC-MUST 14). An upstream
 * that cannot be reached or does not answer in time is a JSON-RPC error with a generic message;
 * the detail goes to the log.
 */
@Injectable()
export class ForwardStep implements McpStep {
  constructor(
    private readonly upstreams: UpstreamClient,
    private readonly relay: ResponseRelay,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  async run(exchange: McpExchange): Promise<void> {
    const upstream = exchange.upstream;
    const raw = exchange.reply.raw;
    raw.once('close', () => {
      if (!raw.writableFinished) {
        exchange.abort.abort();
      }
    });
    let response;
    const started = performance.now();
    try {
      response = await this.upstreams.request(upstream, {
        method: exchange.method,
        headers: upstreamRequestHeaders(
          exchange.request.headers,
          this.upstreams.hostOf(upstream),
          exchange.injected,
        ),
        body: withoutGatewayState(exchange),
        signal: exchange.abort,
      });
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      if (exchange.abort.aborted) {
        this.metrics.upstream(upstream.name, 'aborted', seconds);
        this.logger.debug(
          { upstream: upstream.name },
          'client went away before the upstream answered',
        );
        return;
      }
      this.metrics.upstream(upstream.name, 'unreachable', seconds);
      // Logged once, with the cause and the correlation id, where the error is answered.
      throw new GatewayError('upstream_unavailable', 'the upstream MCP server is unavailable', {
        cause: error,
      });
    }
    exchange.upstreamStatus = response.statusCode;
    this.metrics.upstream(
      upstream.name,
      response.statusCode >= 500 ? 'error_status' : 'ok',
      (performance.now() - started) / 1000,
    );
    await this.relay.relay(exchange, response);
  }
}

/**
 * A 2026-07-28 retry after an auth-required answer carries our `requestState` (and the client's
 * `inputResponses` to our elicitation): they are the gateway's, not the upstream's, so they are
 * taken out before forwarding.
 */
function withoutGatewayState(exchange: McpExchange): Buffer | undefined {
  const message = exchange.message;
  const params = message?.kind === 'request' ? message.params : undefined;
  const state = params?.requestState;
  if (typeof state !== 'string' || !state.startsWith(GATEWAY_REQUEST_STATE_PREFIX)) {
    return exchange.body;
  }
  const body = JSON.parse(exchange.body!.toString('utf8')) as { params: Record<string, unknown> };
  delete body.params.requestState;
  delete body.params.inputResponses;
  return Buffer.from(JSON.stringify(body), 'utf8');
}
