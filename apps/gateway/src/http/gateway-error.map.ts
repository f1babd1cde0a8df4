import {
  JSONRPC_ERRORS,
  jsonRpcError,
  type JsonRpcId,
  type ProtocolGeneration,
} from '@app/mcp-protocol';
import { GATEWAY_SCOPES } from '../auth/scope-map';
import { encodeAuthRequired } from '../remedies/auth-required.encoder';
import type { GatewayError } from './gateway-error';

/** What the map needs to know of the request besides the error. */
export interface ErrorContext {
  id: JsonRpcId | null;
  generation: ProtocolGeneration;
  /** The legacy session's client declared `elicitation.url` at initialize. */
  urlElicitation: boolean;
  /** This route's RFC 9728 metadata URL, named in every challenge. */
  resourceMetadata: string;
}

export interface WireAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const quoted = (value: string): string => `"${value.replace(/["\\]/g, '')}"`;

function challenge(context: ErrorContext, fields: Record<string, string>): Record<string, string> {
  const params = { ...fields, resource_metadata: context.resourceMetadata };
  return {
    'www-authenticate': `Bearer ${Object.entries(params)
      .map(([name, value]) => `${name}=${quoted(value)}`)
      .join(', ')}`,
  };
}

const rpc = (
  status: number,
  context: ErrorContext,
  code: number,
  message: string,
  extra: Record<string, string> = {},
): WireAnswer => ({
  status,
  headers: extra,
  body: jsonRpcError(context.id, code, message),
});

/**
 * The one map from a gateway error to the wire (STYLE "one map per surface"): 401/403 with the
 * RFC 6750 / RFC 9728 challenge for authentication and scope errors (SPEC-MUST 3–5; the
 * challenge's `scope` never names `offline_access`, SPEC-MUST 6), JSON-RPC errors otherwise, the
 * auth-required remedy in the encoding the client understands. 5xx bodies are generic (SPEC-MUST 37).
 */
export function mapGatewayError(error: GatewayError, context: ErrorContext): WireAnswer {
  switch (error.code) {
    case 'missing_credential':
      return {
        status: 401,
        headers: challenge(context, { scope: GATEWAY_SCOPES.join(' ') }),
        body: { error: 'invalid_request', error_description: error.message },
      };
    case 'invalid_token':
      return {
        status: 401,
        headers: challenge(context, { error: 'invalid_token', error_description: error.message }),
        body: { error: 'invalid_token', error_description: error.message },
      };
    case 'token_in_query':
      return {
        status: 400,
        headers: challenge(context, { error: 'invalid_request', error_description: error.message }),
        body: { error: 'invalid_request', error_description: error.message },
      };
    case 'insufficient_scope':
      return {
        status: 403,
        headers: challenge(context, {
          error: 'insufficient_scope',
          scope: (error.details.scopes ?? []).join(' '),
          error_description: error.message,
        }),
        body: { error: 'insufficient_scope', error_description: error.message },
      };
    case 'origin_not_allowed':
      return rpc(403, context, JSONRPC_ERRORS.invalidRequest, `Forbidden: ${error.message}`);
    case 'unknown_upstream':
      return rpc(404, context, JSONRPC_ERRORS.invalidRequest, error.message);
    case 'unsupported_media_type':
      return rpc(415, context, JSONRPC_ERRORS.invalidRequest, error.message);
    case 'parse_error':
      return rpc(400, context, JSONRPC_ERRORS.parseError, `Parse error: ${error.message}`);
    case 'invalid_message':
      return rpc(400, context, JSONRPC_ERRORS.invalidRequest, `Invalid Request: ${error.message}`);
    case 'header_mismatch':
      return rpc(400, context, JSONRPC_ERRORS.headerMismatch, `Header mismatch: ${error.message}`);
    case 'invalid_params':
      return rpc(400, context, JSONRPC_ERRORS.invalidParams, error.message);
    case 'session_not_found':
      return rpc(404, context, JSONRPC_ERRORS.invalidRequest, error.message);
    case 'method_not_allowed':
      return rpc(405, context, JSONRPC_ERRORS.invalidRequest, error.message, {
        allow: 'GET, POST, DELETE',
      });
    case 'policy_denied':
      return rpc(
        context.id === null ? 403 : 200,
        context,
        JSONRPC_ERRORS.forbidden,
        `Forbidden: ${error.message}`,
      );
    case 'rate_limited':
      // RFC 6585 §4: 429 with Retry-After in seconds, on both generations; the id is the request's.
      return rpc(429, context, JSONRPC_ERRORS.rateLimited, `Too many requests: ${error.message}`, {
        'retry-after': String(error.details.retryAfterSeconds ?? 1),
      });
    case 'credential_unavailable':
      return rpc(
        context.id === null ? 503 : 200,
        context,
        JSONRPC_ERRORS.upstreamUnavailable,
        error.message,
      );
    case 'auth_required':
      return {
        status: 200,
        headers: {},
        body: encodeAuthRequired(
          context.id,
          error.details.remedy!,
          context.generation === 'modern'
            ? 'input_required'
            : context.urlElicitation
              ? 'url_elicitation'
              : 'seed',
        ),
      };
    case 'broker_unavailable':
      return rpc(
        503,
        context,
        JSONRPC_ERRORS.internalError,
        'The gateway cannot reach its credential service; try again shortly.',
        {
          'retry-after': '5',
        },
      );
    case 'upstream_unavailable':
      return rpc(
        502,
        context,
        JSONRPC_ERRORS.upstreamUnavailable,
        'The upstream MCP server is unavailable.',
      );
    case 'internal_error':
      return rpc(500, context, JSONRPC_ERRORS.internalError, 'Internal error.');
  }
}
