import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import type { UpstreamView } from '@app/upstream-cache';
import { GatewayError } from '../../http/gateway-error';
import { GATEWAY_REQUEST_STATE_PREFIX } from '../../remedies/auth-required.encoder';
import { type AggregateAnswer, type AggregateMethod, unavailable } from '../aggregate-answer';
import type { AggregateExchange } from '../aggregate-exchange';
import { RelayStream } from '../relay-stream';
import { UpstreamAbort } from '../../upstreams/upstream-abort';
import { REFRESH_REFUSALS, RefreshingCaller } from '../refreshing-caller';
import { UpstreamAccess, type UpstreamGrant } from '../upstream-access';
import type { JsonObject } from '../upstream-rpc';
import { RouteTargets } from './route-targets';

/** 2026-07-28: the methods whose `Mcp-Name` header mirrors a name or URI of the body. */
const MIRRORS_NAME = new Set(['tools/call', 'prompts/get', 'resources/read']);

/**
 * Issue 9 §1 routing of the methods that target one upstream: `tools/call` and `prompts/get` by
 * the `<upstream>.` prefix of the name (longest registered upstream name wins), `resources/read`
 * and `resources/(un)subscribe` by the URI's owner (resource-owners.ts), `completion/complete` by
 * its ref (a prompt name's prefix, or a resource template's owner). The policy and credential are
 * the transparent route's (upstream-access.ts); the upstream gets its own name, and its answer is
 * relayed with the client's id. An upstream that cannot be reached is a clear JSON-RPC error.
 * A 401 to an injected connection token is retried once with a refreshed one, as on the
 * transparent route (refreshing-caller.ts).
 */
@Injectable()
export class RoutedMethod implements AggregateMethod {
  readonly methods = [
    'tools/call',
    'prompts/get',
    'resources/read',
    'resources/subscribe',
    'resources/unsubscribe',
    'completion/complete',
  ];

  constructor(
    private readonly routes: RouteTargets,
    private readonly access: UpstreamAccess,
    private readonly refreshing: RefreshingCaller,
    private readonly relay: RelayStream,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(exchange: AggregateExchange): Promise<AggregateAnswer> {
    const message = exchange.message;
    if (message?.kind !== 'request') {
      return { status: 202 };
    }
    const route = await this.routes.route(exchange, message.method);
    const grant = await this.access.grant(exchange, route.upstream, {
      kind: 'request',
      id: message.id,
      method: message.method,
      params: route.params,
    });
    const body = {
      jsonrpc: '2.0',
      id: message.id,
      method: message.method,
      params: withoutGatewayState(route.params),
    };
    if (exchange.generation === 'legacy') {
      return this.streamed(exchange, route.upstream, body, grant);
    }
    let answer;
    try {
      answer = await this.refreshing.send(exchange, route.upstream, body, grant, {
        ...(route.mcpName !== undefined && MIRRORS_NAME.has(message.method)
          ? { mcpName: route.mcpName }
          : {}),
      });
    } catch (error) {
      if (error instanceof GatewayError && REFRESH_REFUSALS.has(error.code)) {
        throw error;
      }
      this.logger.warn(
        { err: error, upstream: route.upstream.name, correlation_id: exchange.request.id },
        'aggregate call: upstream unavailable',
      );
    }
    if (answer === undefined) {
      exchange.upstreamStatus = 502;
      return unavailable(exchange.requestId, route.upstream.name);
    }
    exchange.upstreamStatus = answer.status;
    if (answer.message === undefined) {
      this.logger.warn(
        {
          upstream: route.upstream.name,
          status: answer.status,
          correlation_id: exchange.request.id,
        },
        'aggregate call: upstream gave no JSON-RPC answer',
      );
      return unavailable(exchange.requestId, route.upstream.name);
    }
    return {
      status: answer.status >= 400 && answer.status < 500 ? answer.status : 200,
      body: { ...answer.message, id: message.id },
    };
  }

  /** Legacy: the upstream's answer relayed as it arrives (SSE: progress, server requests). */
  private async streamed(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    body: JsonObject,
    grant: UpstreamGrant,
  ): Promise<AggregateAnswer> {
    const signal = new UpstreamAbort();
    try {
      const { response, call } = await this.refreshing.start(
        exchange,
        upstream,
        body,
        grant,
        signal,
      );
      exchange.upstreamStatus = response.statusCode;
      const answer = await this.relay.relay(exchange, upstream, call, response, signal);
      if (answer !== undefined || exchange.reply.sent) {
        return answer ?? { status: 200, streamed: true };
      }
      this.logger.warn(
        {
          upstream: upstream.name,
          status: response.statusCode,
          correlation_id: exchange.request.id,
        },
        'aggregate call: upstream gave no JSON-RPC answer',
      );
    } catch (error) {
      if (error instanceof GatewayError && REFRESH_REFUSALS.has(error.code)) {
        throw error;
      }
      if (exchange.reply.sent) {
        return { status: 200, streamed: true };
      }
      this.logger.warn(
        { err: error, upstream: upstream.name, correlation_id: exchange.request.id },
        'aggregate call: upstream unavailable',
      );
    }
    exchange.upstreamStatus = 502;
    return unavailable(exchange.requestId, upstream.name);
  }
}

/**
 * A 2026-07-28 retry after the gateway's auth-required answer carries the gateway's
 * `requestState` and the client's `inputResponses` to it: they are ours, not the upstream's.
 */
function withoutGatewayState(params: JsonObject): JsonObject {
  const state = params.requestState;
  if (typeof state !== 'string' || !state.startsWith(GATEWAY_REQUEST_STATE_PREFIX)) {
    return params;
  }
  const { requestState: _state, inputResponses: _responses, ...rest } = params;
  return rest;
}
