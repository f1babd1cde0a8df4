import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { FIRST_MODERN_PROTOCOL_VERSION } from '@app/mcp-protocol';
import type { UpstreamView } from '@app/upstream-cache';
import { UpstreamAbort } from '../upstreams/upstream-abort';
import type { AggregateExchange } from './aggregate-exchange';
import { AggregateSessionStore, type UpstreamSessionRef } from './aggregate-session.store';
import type { Dispatcher } from 'undici';
import { type JsonObject, type RpcAnswer, type RpcCall, UpstreamRpc } from './upstream-rpc';

export interface SendOptions {
  /** Headers the credential step obtained for this upstream. */
  injected: Readonly<Record<string, string>>;
  /** 2026-07-28: the `Mcp-Name` for the upstream (its own tool or prompt name, or the URI). */
  mcpName?: string;
  /** Gives up after this long (lists); calls use the upstream's own request timeout. */
  timeoutMs?: number;
}

/**
 * The upstream session could not be opened: the upstream refused `initialize` (or answered 401 to
 * the `notifications/initialized` that follows: the token it was opened with was refused).
 */
export class UpstreamInitializeError extends Error {
  constructor(readonly status: number) {
    super(`initialize answered ${status}`);
  }
}

/**
 * Sends one message to one upstream in the client's generation. 2026-07-28: stateless, the
 * client's `_meta` in the body and `Mcp-Method`/`Mcp-Name` mirrored for the upstream's own names.
 * Legacy: through the aggregate session's upstream session, opened lazily (initialize with the
 * client's capabilities and clientInfo, then notifications/initialized); an upstream that answers
 * 404 lost it (restarted) — it is re-opened and the request retried once (SPEC-MUST 17, issue 9 §3).
 */
@Injectable()
export class UpstreamCaller {
  constructor(
    private readonly rpc: UpstreamRpc,
    private readonly sessions: AggregateSessionStore,
  ) {}

  async send(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    body: JsonObject,
    options: SendOptions,
  ): Promise<RpcAnswer> {
    const signal = new UpstreamAbort();
    const onAbort = () => signal.abort();
    exchange.abort.once('abort', onAbort);
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(onAbort, options.timeoutMs);
    try {
      if (exchange.generation === 'modern') {
        return await this.rpc.call({
          upstream,
          body,
          signal,
          headers: this.modernHeaders(exchange, body, options),
        });
      }
      return await this.legacy(exchange, upstream, body, options, signal);
    } finally {
      clearTimeout(timer);
      exchange.abort.off('abort', onAbort);
    }
  }

  /**
   * Legacy only: sends and returns the upstream's answer as it starts (after the one re-initialize
   * on a 404), so an SSE answer can be relayed as it arrives (relay-stream.ts). The caller owns
   * the body; `signal` cancels it.
   */
  async start(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    body: JsonObject,
    options: SendOptions,
    signal: UpstreamAbort,
  ): Promise<{ response: Dispatcher.ResponseData; call: RpcCall }> {
    const session = exchange.aggregateSession!;
    const known = session.upstreams[upstream.name];
    const ref = known ?? (await this.open(exchange, upstream, options, signal));
    let call: RpcCall = {
      upstream,
      body,
      signal,
      headers: this.legacyHeaders(exchange, ref, options),
    };
    let response = await this.rpc.send(call);
    if (response.statusCode === 404 && known !== undefined) {
      await response.body.dump();
      const fresh = await this.open(exchange, upstream, options, signal, known);
      call = { ...call, headers: this.legacyHeaders(exchange, fresh, options) };
      response = await this.rpc.send(call);
    }
    return { response, call };
  }

  /**
   * Legacy only: opens the upstream session's standalone GET stream (opening the session first
   * when the client has not used this upstream yet; re-opening it once when the upstream lost it).
   */
  async listen(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    options: SendOptions,
    signal: UpstreamAbort,
  ): Promise<Dispatcher.ResponseData> {
    const known = exchange.aggregateSession!.upstreams[upstream.name];
    const ref = known ?? (await this.open(exchange, upstream, options, signal));
    const response = await this.rpc.listen(
      upstream,
      this.legacyHeaders(exchange, ref, options),
      signal,
    );
    if (response.statusCode !== 404 || known === undefined) {
      return response;
    }
    await response.body.dump();
    const fresh = await this.open(exchange, upstream, options, signal, known);
    return this.rpc.listen(upstream, this.legacyHeaders(exchange, fresh, options), signal);
  }

  /** Sends a client's answer to a relayed server request back to the upstream session it came from. */
  async answerUpstream(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    body: JsonObject,
  ): Promise<RpcAnswer> {
    const ref = exchange.aggregateSession!.upstreams[upstream.name];
    const signal = new UpstreamAbort();
    const timer = setTimeout(() => signal.abort(), 10_000);
    try {
      return await this.rpc.call({
        upstream,
        body,
        signal,
        headers:
          ref === undefined
            ? this.passThrough(exchange)
            : this.legacyHeaders(exchange, ref, { injected: {} }),
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** DELETE every upstream session of the aggregate session (best effort). */
  async endAll(exchange: AggregateExchange, upstreams: readonly UpstreamView[]): Promise<void> {
    const session = exchange.aggregateSession!;
    await Promise.allSettled(
      upstreams.map(async (upstream) => {
        const ref = session.upstreams[upstream.name];
        if (ref?.id === undefined) {
          return;
        }
        const signal = new UpstreamAbort();
        const timer = setTimeout(() => signal.abort(), 5000);
        try {
          await this.rpc.end(
            upstream,
            { 'mcp-session-id': ref.id, 'mcp-protocol-version': ref.version },
            signal,
          );
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  private async legacy(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    body: JsonObject,
    options: SendOptions,
    signal: UpstreamAbort,
  ): Promise<RpcAnswer> {
    const session = exchange.aggregateSession!;
    const known = session.upstreams[upstream.name];
    let ref = known ?? (await this.open(exchange, upstream, options, signal));
    const call = (current: UpstreamSessionRef) =>
      this.rpc.call({
        upstream,
        body,
        signal,
        headers: this.legacyHeaders(exchange, current, options),
      });
    let answer = await call(ref);
    if (answer.status === 404 && known !== undefined) {
      ref = await this.open(exchange, upstream, options, signal, known);
      answer = await call(ref);
    }
    return answer;
  }

  /**
   * Opens an upstream session for the aggregate session (initialize + notifications/initialized)
   * and records it — unless a concurrent request recorded one first, which is then used and ours
   * ended (aggregate-session.store.ts `claimUpstream`). `replacing`: the session the upstream lost.
   */
  private async open(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    options: SendOptions,
    signal: UpstreamAbort,
    replacing?: UpstreamSessionRef,
  ): Promise<UpstreamSessionRef> {
    const session = exchange.aggregateSession!;
    const init = await this.rpc.call({
      upstream,
      signal,
      headers: { ...this.passThrough(exchange), ...lower(options.injected) },
      body: {
        jsonrpc: '2.0',
        id: `mcpgw-init-${randomUUID()}`,
        method: 'initialize',
        params: {
          protocolVersion: session.version,
          capabilities: session.capabilities,
          clientInfo: session.clientInfo,
        },
      },
    });
    const result = init.message?.result as { protocolVersion?: unknown } | undefined;
    if (init.status !== 200 || typeof result?.protocolVersion !== 'string') {
      throw new UpstreamInitializeError(init.status);
    }
    const ref: UpstreamSessionRef = {
      version: result.protocolVersion,
      ...(init.sessionId !== undefined ? { id: init.sessionId } : {}),
    };
    const initialized = await this.rpc.call({
      upstream,
      signal,
      headers: this.legacyHeaders(exchange, ref, options),
      body: { jsonrpc: '2.0', method: 'notifications/initialized' },
    });
    if (initialized.status === 401) {
      // The token expired between the two: the session is not recorded (reactive refresh may retry).
      this.endQuietly(upstream, ref);
      throw new UpstreamInitializeError(initialized.status);
    }
    const winner = await this.sessions.claimUpstream(session, upstream.name, ref, replacing);
    if (winner.id !== ref.id) {
      this.endQuietly(upstream, ref);
    }
    return winner;
  }

  /** DELETE of an upstream session nobody will use (best effort, in the background). */
  private endQuietly(upstream: UpstreamView, ref: UpstreamSessionRef): void {
    if (ref.id === undefined) {
      return;
    }
    const end = new UpstreamAbort();
    const timer = setTimeout(() => end.abort(), 5000);
    void this.rpc
      .end(upstream, { 'mcp-session-id': ref.id, 'mcp-protocol-version': ref.version }, end)
      .catch(() => undefined)
      .finally(() => clearTimeout(timer));
  }

  private legacyHeaders(
    exchange: AggregateExchange,
    ref: UpstreamSessionRef,
    options: SendOptions,
  ): Record<string, string> {
    return {
      ...this.passThrough(exchange),
      ...lower(options.injected),
      'mcp-protocol-version': ref.version,
      ...(ref.id !== undefined ? { 'mcp-session-id': ref.id } : {}),
    };
  }

  private modernHeaders(
    exchange: AggregateExchange,
    body: JsonObject,
    options: SendOptions,
  ): Record<string, string> {
    const headers: Record<string, string> = {
      ...this.passThrough(exchange),
      ...lower(options.injected),
      'mcp-protocol-version': FIRST_MODERN_PROTOCOL_VERSION,
      'mcp-method': String(body.method),
    };
    if (options.mcpName !== undefined) {
      headers['mcp-name'] = encodeMirrored(options.mcpName);
    }
    // Mcp-Param-* describe the arguments, which reach the upstream unchanged.
    for (const [name, value] of Object.entries(exchange.request.headers)) {
      if (name.startsWith('mcp-param-') && typeof value === 'string') {
        headers[name] = value;
      }
    }
    return headers;
  }

  private passThrough(exchange: AggregateExchange): Record<string, string> {
    const traceparent = exchange.header('traceparent');
    return traceparent === undefined ? {} : { traceparent };
  }
}

function lower(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** A header value must be visible ASCII; other names go base64 as the 2026-07-28 mirror rule says. */
function encodeMirrored(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) && value.trim() === value
    ? value
    : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}
