/**
 * JSON-RPC error codes the gateway emits or recognises. The standard ones are JSON-RPC 2.0 §5.1;
 * the others are MCP's (2025-11-25 `URLElicitationRequired`, 2026-07-28 `HeaderMismatch`) and the
 * seed's auth-required code (reference/001_guide.md).
 */
export const JSONRPC_ERRORS = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** The seed's "authorization required" answer, with the remedy in `data`. */
  authRequired: -32001,
  /** 2026-07-28: mirrored headers missing, malformed or disagreeing with the body (HTTP 400). */
  headerMismatch: -32020,
  /** 2025-11-25: the client must open a URL (URL-mode elicitation) before the request can succeed. */
  urlElicitationRequired: -32042,
  /** Ours: the gateway could not reach the upstream or the broker in time. */
  upstreamUnavailable: -32003,
  /** Ours: the policy denies this tool, or the caller lacks what it requires. */
  forbidden: -32002,
  /** Ours: the caller sent more requests to this upstream than its rate limit allows (HTTP 429). */
  rateLimited: -32004,
} as const;
