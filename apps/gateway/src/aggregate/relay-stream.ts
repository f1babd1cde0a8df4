import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { Injectable } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import { SseParser } from '@app/mcp-protocol';
import type { UpstreamView } from '@app/upstream-cache';
import { ShutdownDrain } from '../http/shutdown-drain';
import type { UpstreamAbort } from '../upstreams/upstream-abort';
import type { AggregateAnswer } from './aggregate-answer';
import type { AggregateExchange } from './aggregate-exchange';
import { RelayedRequests } from './relayed-requests';
import { type JsonObject, type RpcCall, UpstreamRpc } from './upstream-rpc';

/**
 * A routed call's SSE answer, relayed to the client as it arrives (SPEC-MUST 14: unbuffered,
 * `X-Accel-Buffering: no`; a client that goes away cancels the upstream request): progress and
 * log notifications as they are, the final response with the client's id (the upstream got it),
 * and server-to-client requests with a gateway id (relayed-requests.ts) so answers from the client
 * find their upstream. Upstream event ids are not passed on: this stream is not resumable through
 * the gateway. A JSON answer is read and returned as it is.
 */
@Injectable()
export class RelayStream {
  constructor(
    private readonly rpc: UpstreamRpc,
    private readonly relayed: RelayedRequests,
    private readonly drain: ShutdownDrain,
  ) {}

  async relay(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    call: RpcCall,
    response: Dispatcher.ResponseData,
    signal: UpstreamAbort,
  ): Promise<AggregateAnswer | undefined> {
    const type = String(response.headers['content-type'] ?? '').toLowerCase();
    if (response.statusCode !== 200 || !type.startsWith('text/event-stream')) {
      const answer = await this.rpc.read(call, response);
      return answer.message === undefined
        ? undefined
        : {
            status: answer.status >= 400 && answer.status < 500 ? answer.status : 200,
            body: { ...answer.message, id: exchange.requestId },
          };
    }
    const raw = this.openClientStream(exchange, signal);
    const parser = new SseParser();
    const decoder = new StringDecoder('utf8');
    try {
      for await (const chunk of response.body) {
        for (const event of parser.push(decoder.write(chunk as Buffer))) {
          if (event.data !== undefined) {
            raw.write(
              `event: message\ndata: ${await this.clientMessage(exchange, upstream, event.data)}\n\n`,
            );
          }
        }
      }
    } catch {
      // The client went away (the upstream request was cancelled) or the upstream broke the stream.
    }
    raw.end();
    return undefined;
  }

  /**
   * Starts the client's SSE answer at once (SPEC-MUST 14: unbuffered, `X-Accel-Buffering: no`) and
   * ties it to `signal`: the client going away cancels the upstream side, and a graceful shutdown
   * ends the stream (http/shutdown-drain.ts). Shared by routed calls and `GET /mcp`.
   */
  openClientStream(exchange: AggregateExchange, signal: UpstreamAbort): ServerResponse {
    const raw = exchange.reply.hijack().raw;
    const untrack = this.drain.track(() => {
      signal.abort();
      raw.destroy();
    });
    raw.once('close', () => {
      untrack();
      if (!raw.writableFinished) {
        signal.abort();
      }
    });
    raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      ...(exchange.sessionId !== undefined ? { 'mcp-session-id': exchange.sessionId } : {}),
    });
    raw.flushHeaders();
    return raw;
  }

  /** An upstream's message as the client gets it: a server request under a gateway id. */
  async clientMessage(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    data: string,
  ): Promise<string> {
    let message: JsonObject;
    try {
      message = JSON.parse(data) as JsonObject;
    } catch {
      return data;
    }
    if (typeof message.method !== 'string' || message.id === undefined) {
      return data;
    }
    const id = await this.relayed.map({
      upstream: upstream.name,
      id: message.id as string | number,
      principal: exchange.principal!.key,
    });
    return JSON.stringify({ ...message, id });
  }
}
