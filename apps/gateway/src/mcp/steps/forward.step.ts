import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { LOGGER } from '@app/observability';
import { AuthWait } from '../../completion/auth-wait';
import { ReactiveRefresh } from '../../credentials/reactive-refresh';
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
 * the detail goes to the log. A 401 to an injected connection token is retried once with a
 * refreshed token (reactive-refresh.ts); still 401 is the auth-required answer.
 */
@Injectable()
export class ForwardStep implements McpStep {
  constructor(
    private readonly upstreams: UpstreamClient,
    private readonly relay: ResponseRelay,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
    private readonly reactive: ReactiveRefresh,
    private readonly waits: AuthWait,
  ) {}

  async run(exchange: McpExchange): Promise<void> {
    const raw = exchange.reply.raw;
    raw.once('close', () => {
      if (!raw.writableFinished) {
        exchange.abort.abort();
      }
    });
    let response = await this.send(exchange);
    for (const reauthorize of [false, true]) {
      if (
        response === undefined ||
        !this.reactive.applies(response.statusCode, exchange.trailCredential, exchange.injected)
      ) {
        break;
      }
      // Issue 10 §2: the upstream refused our connection token; one retry with a refreshed one.
      await response.body.dump();
      await this.retryCredential(exchange, reauthorize);
      response = await this.send(exchange);
    }
    if (response === undefined) {
      return;
    }
    exchange.upstreamStatus = response.statusCode;
    await this.relay.relay(exchange, response);
  }

  private async retryCredential(exchange: McpExchange, reauthorize: boolean): Promise<void> {
    try {
      const retry = await this.reactive.retryWith({
        principal: exchange.principal!,
        // A connection credential was obtained, so the resolution named its auth method.
        method: exchange.resolution!.auth_method!,
        upstream: exchange.upstream,
        credential: exchange.trailCredential!,
        reauthorize,
      });
      exchange.injected = retry.injected;
      exchange.trailCredential = retry.credential;
    } catch (error) {
      if (error instanceof GatewayError && error.details.remedy !== undefined) {
        await this.waits.remember(exchange, error.details.remedy);
      }
      throw error;
    }
  }

  /** One request to the upstream; undefined when the client went away first. */
  private async send(exchange: McpExchange): Promise<Dispatcher.ResponseData | undefined> {
    const upstream = exchange.upstream;
    const started = performance.now();
    let response;
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
        return undefined;
      }
      this.metrics.upstream(upstream.name, 'unreachable', seconds);
      // Logged once, with the cause and the correlation id, where the error is answered.
      throw new GatewayError('upstream_unavailable', 'the upstream MCP server is unavailable', {
        cause: error,
      });
    }
    this.metrics.upstream(
      upstream.name,
      response.statusCode >= 500 ? 'error_status' : 'ok',
      (performance.now() - started) / 1000,
    );
    return response;
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
