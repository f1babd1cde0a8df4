import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import type { Dispatcher } from 'undici';
import { formatSseEvent, SseParser } from '@app/mcp-protocol';
import { ShutdownDrain } from '../http/shutdown-drain';
import { SseInjector } from '../completion/sse-injector';
import { routeSessionKey, SessionStreams } from '../sessions/session-streams';
import { SessionStore } from '../sessions/session.store';
import { downstreamResponseHeaders } from '../upstreams/forward-headers';
import type { McpExchange } from './mcp-exchange';
import { ToolsListFilter } from './tools-list.filter';

/**
 * Writes the upstream's answer back. SPEC-MUST 12, 14, 15: status, JSON-RPC errors, headers
 * (`MCP-Session-Id` included) pass through unchanged; SSE is streamed as it arrives
 * (`X-Accel-Buffering: no`), never buffered. The only answers the gateway changes are `tools/list`
 * results (filtered by policy). An `initialize` answer's session id is bound to the caller first.
 * Nothing is cached, so a `cacheScope: "private"` result never reaches another caller (SPEC-MUST 18).
 */
@Injectable()
export class ResponseRelay {
  constructor(
    private readonly sessions: SessionStore,
    private readonly tools: ToolsListFilter,
    private readonly drain: ShutdownDrain,
    private readonly streams: SessionStreams,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async relay(exchange: McpExchange, response: Dispatcher.ResponseData): Promise<void> {
    const headers = downstreamResponseHeaders(response.headers);
    const type = String(response.headers['content-type'] ?? '').toLowerCase();
    const sse = type.startsWith('text/event-stream');
    if (sse) {
      headers['x-accel-buffering'] = 'no';
      headers['cache-control'] ??= 'no-cache';
    }
    await this.trackSession(exchange, response);
    const message = exchange.message;
    const filtering =
      message?.kind === 'request' && message.method === 'tools/list' && response.statusCode === 200;
    exchange.reply.code(response.statusCode).headers(headers);
    if (sse) {
      return filtering
        ? this.stream(exchange, response.body, this.sseFilter(exchange))
        : this.stream(exchange, response.body);
    }
    if (filtering && type.startsWith('application/json')) {
      const text = await response.body.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return this.send(exchange, text);
      }
      return this.send(
        exchange,
        JSON.stringify(this.tools.filterResponse(parsed, exchange.routeName, exchange.principal!)),
      );
    }
    const length = response.headers['content-length'];
    if (typeof length === 'string') {
      exchange.reply.header('content-length', length);
    }
    return this.send(exchange, response.body);
  }

  private async send(exchange: McpExchange, payload: unknown): Promise<void> {
    await exchange.reply.send(payload);
  }

  /**
   * An SSE answer's head goes out at once: Fastify would hold it until the first event, and a
   * quiet stream (a GET stream, a long tool call) would look unanswered to the client until then
   * — a client with a headers timeout gives up on a healthy idle stream (SPEC-MUST 14). The
   * events follow as they arrive. A client that goes away ends the pipeline; the forward step's
   * close listener has already aborted the upstream request.
   */
  private async stream(exchange: McpExchange, body: Readable, filter?: Transform): Promise<void> {
    const reply = exchange.reply.hijack();
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) {
        reply.raw.setHeader(name, value);
      }
    }
    reply.raw.writeHead(reply.statusCode);
    reply.raw.flushHeaders();
    // Issue 9 §2: a legacy session's GET stream also carries the gateway's own notifications
    // (`notifications/elicitation/complete`), written between upstream events (sse-injector.ts).
    const injector =
      filter === undefined && exchange.method === 'GET' && exchange.sessionId !== undefined
        ? new SseInjector()
        : undefined;
    const detach = injector?.attachTo(
      this.streams,
      routeSessionKey(exchange.routeName, exchange.sessionId!),
    );
    // On shutdown: cancel the upstream request and close the client's connection (shutdown-drain.ts).
    const untrack = this.drain.track(() => {
      exchange.abort.abort();
      reply.raw.destroy();
    });
    const through = filter ?? injector;
    const done =
      through === undefined ? pipeline(body, reply.raw) : pipeline(body, through, reply.raw);
    await done
      .finally(() => {
        untrack();
        detach?.();
      })
      .catch((error: unknown) => {
        // A client that went away is normal for a stream; the upstream breaking one is worth a line.
        if (!exchange.abort.aborted && !reply.raw.destroyed) {
          this.logger.warn(
            { err: error, upstream: exchange.routeName, correlation_id: exchange.request.id },
            'upstream stream ended with an error',
          );
        }
      });
  }

  private async trackSession(
    exchange: McpExchange,
    response: Dispatcher.ResponseData,
  ): Promise<void> {
    const message = exchange.message;
    const sessionId = response.headers['mcp-session-id'];
    if (
      message?.kind === 'request' &&
      message.method === 'initialize' &&
      response.statusCode >= 200 &&
      response.statusCode < 300 &&
      typeof sessionId === 'string'
    ) {
      const capabilities = message.params?.capabilities as
        { elicitation?: { url?: unknown } } | undefined;
      await this.sessions.bind(sessionId, {
        principal: exchange.principal!.key,
        subject: exchange.principal!.subject,
        upstream: exchange.routeName,
        urlElicitation: capabilities?.elicitation?.url !== undefined,
      });
    }
    // A session ends when the client deletes it, or when its upstream says it no longer has it
    // (404 to a request carrying the id: it restarted or expired it). The client re-initializes.
    if (
      exchange.sessionId !== undefined &&
      (response.statusCode === 404 || (exchange.method === 'DELETE' && response.statusCode < 300))
    ) {
      await this.sessions.forget(exchange.routeName, exchange.sessionId);
    }
  }

  /** Rewrites the event carrying this request's `tools/list` result; every other byte passes as it came. */
  private sseFilter(exchange: McpExchange): Transform {
    const parser = new SseParser();
    const decoder = new StringDecoder('utf8');
    const id = exchange.requestId;
    const filter = this.tools;
    return new Transform({
      transform(chunk: Buffer, _encoding, done) {
        let out = '';
        for (const event of parser.push(decoder.write(chunk))) {
          let rewritten: string | undefined;
          if (event.data !== undefined && event.data.includes('"tools"')) {
            try {
              const parsed = JSON.parse(event.data) as { id?: unknown };
              if (parsed.id === id) {
                rewritten = formatSseEvent(
                  event,
                  JSON.stringify(
                    filter.filterResponse(parsed, exchange.routeName, exchange.principal!),
                  ),
                );
              }
            } catch {
              rewritten = undefined;
            }
          }
          out += rewritten ?? event.raw;
        }
        done(null, out === '' ? undefined : out);
      },
      flush(done) {
        const rest =
          parser
            .push(decoder.end())
            .map((event) => event.raw)
            .join('') + parser.rest();
        done(null, rest === '' ? undefined : rest);
      },
    });
  }
}
