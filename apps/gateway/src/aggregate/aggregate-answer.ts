import type { JsonRpcId } from '@app/mcp-protocol';
import { JSONRPC_ERRORS } from '@app/mcp-protocol';
import type { AggregateExchange } from './aggregate-exchange';
import type { JsonObject } from './upstream-rpc';

/** What a method handler answers; the router writes it (JSON, the session id header when legacy). */
export interface AggregateAnswer {
  status: number;
  body?: JsonObject;
  headers?: Record<string, string>;
  /** The handler already streamed the answer (SSE relay): nothing left to write. */
  streamed?: true;
}

export const result = (id: JsonRpcId | null, value: JsonObject): AggregateAnswer => ({
  status: 200,
  body: { jsonrpc: '2.0', id, result: value },
});

export const rpcError = (
  id: JsonRpcId | null,
  code: number,
  message: string,
  status = 200,
): AggregateAnswer => ({
  status,
  body: { jsonrpc: '2.0', id, error: { code, message } },
});

/** Issue 9 §1: a call to an upstream that is down is a clear JSON-RPC error (the cause is logged). */
export const unavailable = (id: JsonRpcId | null, upstream: string): AggregateAnswer =>
  rpcError(id, JSONRPC_ERRORS.upstreamUnavailable, `upstream ${upstream} is unavailable`);

/** A method handler of the aggregate (one file per method family in methods/). */
export interface AggregateMethod {
  readonly methods: readonly string[];
  handle(exchange: AggregateExchange): Promise<AggregateAnswer>;
}

/** The request's params (an object, or empty). */
export function paramsOf(exchange: AggregateExchange): JsonObject {
  const message = exchange.message;
  return message?.kind === 'request' || message?.kind === 'notification'
    ? { ...(message.params ?? {}) }
    : {};
}
