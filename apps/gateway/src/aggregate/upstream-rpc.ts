import { Injectable } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import { type JsonRpcId, parseSseEvents } from '@app/mcp-protocol';
import type { UpstreamView } from '@app/upstream-cache';
import type { UpstreamAbort } from '../upstreams/upstream-abort';
import { UpstreamClient } from '../upstreams/upstream.client';

export type JsonObject = Record<string, unknown>;

/** One JSON-RPC message the aggregate sends to one upstream. */
export interface RpcCall {
  upstream: UpstreamView;
  body: JsonObject;
  /** Headers for the upstream: protocol version, session id, mirrored headers, the credential. */
  headers: Record<string, string>;
  signal: UpstreamAbort;
}

export interface RpcAnswer {
  status: number;
  sessionId: string | undefined;
  /** The JSON-RPC response to the call (undefined for a notification, or when there was none). */
  message: JsonObject | undefined;
  /** Messages the upstream sent before its response on an SSE answer (progress, logs, requests). */
  before: JsonObject[];
}

/**
 * The aggregate's wire to one upstream, hand-written over undici (the same keep-alive pool per
 * upstream as the transparent route) rather than the SDK's Client: an aggregate session must be
 * servable by any replica, so upstream sessions are addressed by their ids from Redis, never held
 * in a process. A JSON answer is one message; an SSE answer is read to its end and its messages
 * split into the response (matching id) and what came before it.
 */
@Injectable()
export class UpstreamRpc {
  constructor(private readonly upstreams: UpstreamClient) {}

  /** The upstream's answer as it starts (status and headers), its body still to be read. */
  send(call: RpcCall): Promise<Dispatcher.ResponseData> {
    return this.upstreams.request(call.upstream, {
      method: 'POST',
      headers: {
        ...call.headers,
        host: this.upstreams.hostOf(call.upstream),
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
      },
      body: Buffer.from(JSON.stringify(call.body), 'utf8'),
      signal: call.signal,
    });
  }

  async call(call: RpcCall): Promise<RpcAnswer> {
    return this.read(call, await this.send(call));
  }

  /** Reads a started answer to its end. */
  async read(call: RpcCall, response: Dispatcher.ResponseData): Promise<RpcAnswer> {
    const header = response.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' ? header : undefined;
    const type = String(response.headers['content-type'] ?? '').toLowerCase();
    const text = await response.body.text();
    const id = call.body.id as JsonRpcId | undefined;
    const messages = type.startsWith('text/event-stream') ? sseMessages(text) : jsonMessage(text);
    const index = id === undefined ? -1 : messages.findIndex((m) => isResponseTo(m, id));
    return {
      status: response.statusCode,
      sessionId,
      message: index === -1 ? messages.find(isError) : messages[index],
      before: index === -1 ? messages : messages.slice(0, index),
    };
  }

  /** GET: the upstream session's standalone stream (its notifications and server requests). */
  listen(
    upstream: UpstreamView,
    headers: Record<string, string>,
    signal: UpstreamAbort,
  ): Promise<Dispatcher.ResponseData> {
    return this.upstreams.request(upstream, {
      method: 'GET',
      headers: { ...headers, host: this.upstreams.hostOf(upstream), accept: 'text/event-stream' },
      body: undefined,
      signal,
    });
  }

  /** DELETE of an upstream session (the client ended its aggregate session). */
  async end(
    upstream: UpstreamView,
    headers: Record<string, string>,
    signal: UpstreamAbort,
  ): Promise<void> {
    const response = await this.upstreams.request(upstream, {
      method: 'DELETE',
      headers: { ...headers, host: this.upstreams.hostOf(upstream) },
      body: undefined,
      signal,
    });
    await response.body.dump();
  }
}

function isResponseTo(message: JsonObject, id: JsonRpcId): boolean {
  return message.id === id && ('result' in message || 'error' in message);
}

function isError(message: JsonObject): boolean {
  return 'error' in message && !('method' in message);
}

function jsonMessage(text: string): JsonObject[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? [parsed as JsonObject]
      : [];
  } catch {
    return [];
  }
}

function sseMessages(text: string): JsonObject[] {
  return parseSseEvents(text).flatMap((event) =>
    event.data === undefined ? [] : jsonMessage(event.data),
  );
}
