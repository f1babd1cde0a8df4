import { Injectable } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import type { UpstreamView } from '@app/upstream-cache';
import { ReactiveRefresh } from '../credentials/reactive-refresh';
import type { UpstreamAbort } from '../upstreams/upstream-abort';
import type { AggregateExchange } from './aggregate-exchange';
import type { UpstreamGrant } from './upstream-access';
import { type SendOptions, UpstreamCaller, UpstreamInitializeError } from './upstream-caller';
import type { JsonObject, RpcAnswer, RpcCall } from './upstream-rpc';

/** What the refresh throws when it cannot help: the caller's answer, never "upstream unavailable". */
export const REFRESH_REFUSALS: ReadonlySet<string> = new Set([
  'auth_required',
  'credential_unavailable',
  'broker_unavailable',
]);

/** One try: what the upstream answered, or the refused `initialize` that opened its session. */
type Outcome<T> = { value: T; status: number } | { error: unknown; status: number | undefined };

/**
 * Issue 10 §2 on `/mcp`, for every call the aggregate makes to one upstream with a grant (routed
 * methods, list fan-out, logging): an HTTP 401 to a connection's injected token — on the call
 * itself, or on the `initialize` / `notifications/initialized` that open the upstream session the
 * call needs (legacy) — gets one retry with the token the broker refreshed (reactive-refresh.ts,
 * the same single flight as the workers and the transparent route). A refresh that cannot help
 * throws its GatewayError (REFRESH_REFUSALS): a routed method answers it, a list leaves the
 * upstream out. `grant.credential` follows the refreshed connection.
 */
@Injectable()
export class RefreshingCaller {
  constructor(
    private readonly caller: UpstreamCaller,
    private readonly reactive: ReactiveRefresh,
  ) {}

  /** UpstreamCaller.send with the grant's headers, retried once on a refused token. */
  send(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    body: JsonObject,
    grant: UpstreamGrant,
    options: Omit<SendOptions, 'injected'> = {},
  ): Promise<RpcAnswer> {
    return this.retrying(exchange, upstream, body, grant, async (injected) => {
      const answer = await this.caller.send(exchange, upstream, body, { ...options, injected });
      return { value: answer, status: answer.status };
    });
  }

  /** Legacy: UpstreamCaller.start (the answer as it starts), retried once on a refused token. */
  start(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    body: JsonObject,
    grant: UpstreamGrant,
    signal: UpstreamAbort,
  ): Promise<{ response: Dispatcher.ResponseData; call: RpcCall }> {
    return this.retrying(
      exchange,
      upstream,
      body,
      grant,
      async (injected) => {
        const started = await this.caller.start(exchange, upstream, body, { injected }, signal);
        return { value: started, status: started.response.statusCode };
      },
      (started) => started.response.body.dump(),
    );
  }

  private async retrying<T>(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    body: JsonObject,
    grant: UpstreamGrant,
    attempt: (injected: Record<string, string>) => Promise<{ value: T; status: number }>,
    discard?: (value: T) => Promise<void>,
  ): Promise<T> {
    const settle = async (injected: Record<string, string>): Promise<Outcome<T>> => {
      try {
        return await attempt(injected);
      } catch (error) {
        return {
          error,
          status: error instanceof UpstreamInitializeError ? error.status : undefined,
        };
      }
    };
    let injected = grant.injected;
    let outcome = await settle(injected);
    for (const reauthorize of [false, true]) {
      if (
        outcome.status === undefined ||
        !this.reactive.applies(outcome.status, grant.credential, injected)
      ) {
        break;
      }
      if ('value' in outcome) {
        await discard?.(outcome.value);
      }
      injected = await this.refreshed(exchange, upstream, grant, reauthorize, body.method);
      outcome = await settle(injected);
    }
    if ('error' in outcome) {
      throw outcome.error;
    }
    return outcome.value;
  }

  /** The refreshed connection's headers for the retry; throws the auth-required answer. */
  private async refreshed(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    grant: UpstreamGrant,
    reauthorize: boolean,
    method: unknown,
  ): Promise<Record<string, string>> {
    const retry = await this.reactive.retryWith({
      principal: exchange.principal!,
      // A connection credential was obtained, so the resolution named its auth method.
      method: grant.resolution.auth_method!,
      upstream,
      credential: grant.credential!,
      reauthorize,
    });
    grant.credential = retry.credential;
    grant.injected = retry.injected;
    if (method === 'tools/call') {
      // The call trail (issue 9 §4) names the credential the call went out with.
      exchange.trailCredential = retry.credential;
    }
    return retry.injected;
  }
}
