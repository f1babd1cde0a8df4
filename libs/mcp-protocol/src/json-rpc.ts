import { JSONRPC_ERRORS } from './error-codes';

export type JsonRpcId = string | number;

/** One JSON-RPC message from a client, as the gateway needs to see it (the rest stays opaque). */
export type InboundMessage =
  | { kind: 'request'; id: JsonRpcId; method: string; params: Record<string, unknown> | undefined }
  | { kind: 'notification'; method: string; params: Record<string, unknown> | undefined }
  | { kind: 'response'; id: JsonRpcId | null };

export type MessageParse =
  | { ok: true; message: InboundMessage; body: Record<string, unknown> }
  | { ok: false; code: number; message: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Safe integers only, as the SDK's RequestIdSchema (zod 4 `int()`): past 2^53 JSON.parse has already
// rounded the number, so an answer would carry an id the client never sent.
const isId = (value: unknown): value is JsonRpcId =>
  typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value));

/**
 * Classifies a parsed JSON body as one JSON-RPC 2.0 message. Batches are refused: 2025-06-18
 * removed them, 2026-07-28 forbids them, and per-message authorization of a batch would have to
 * split it.
 */
export function classifyMessage(body: unknown): MessageParse {
  if (Array.isArray(body)) {
    return {
      ok: false,
      code: JSONRPC_ERRORS.invalidRequest,
      message: 'JSON-RPC batches are not supported; send one message per request',
    };
  }
  if (!isObject(body) || body.jsonrpc !== '2.0') {
    return {
      ok: false,
      code: JSONRPC_ERRORS.invalidRequest,
      message: 'not a JSON-RPC 2.0 message',
    };
  }
  const params = body.params;
  if (params !== undefined && !isObject(params)) {
    return { ok: false, code: JSONRPC_ERRORS.invalidRequest, message: 'params must be an object' };
  }
  // The SDK's message schemas type _meta as an object and refuse the whole message otherwise; a
  // claim or token is never read from anything else.
  if (params !== undefined && params._meta !== undefined && !isObject(params._meta)) {
    return {
      ok: false,
      code: JSONRPC_ERRORS.invalidRequest,
      message: 'params._meta must be an object',
    };
  }
  if (typeof body.method === 'string') {
    if (body.method === '' || body.method.length > 256) {
      return { ok: false, code: JSONRPC_ERRORS.invalidRequest, message: 'method is invalid' };
    }
    if (!('id' in body)) {
      return { ok: true, body, message: { kind: 'notification', method: body.method, params } };
    }
    if (!isId(body.id)) {
      return {
        ok: false,
        code: JSONRPC_ERRORS.invalidRequest,
        message: 'id must be a string or an integer within ±(2^53 − 1)',
      };
    }
    return {
      ok: true,
      body,
      message: { kind: 'request', id: body.id, method: body.method, params },
    };
  }
  if ('result' in body || 'error' in body) {
    return { ok: true, body, message: { kind: 'response', id: isId(body.id) ? body.id : null } };
  }
  return {
    ok: false,
    code: JSONRPC_ERRORS.invalidRequest,
    message: 'not a JSON-RPC request, notification or response',
  };
}

/** A JSON-RPC error response body. */
export function jsonRpcError(
  id: JsonRpcId | null,
  code: number,
  message: string,
  data?: unknown,
): {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: { code: number; message: string; data?: unknown };
} {
  return {
    jsonrpc: '2.0',
    id,
    error: data === undefined ? { code, message } : { code, message, data },
  };
}

/** A JSON-RPC result response body. */
export function jsonRpcResult(
  id: JsonRpcId,
  result: unknown,
): { jsonrpc: '2.0'; id: JsonRpcId; result: unknown } {
  return { jsonrpc: '2.0', id, result };
}
