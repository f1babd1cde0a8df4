import { REDIS_RETRY_AFTER_SECONDS } from './page-error.handler';
import type { PublicApiError, PublicApiErrorCode } from './public-api.error';

const BEARER_REALM = 'Bearer realm="mcp-auth-gateway"';
const API_KEY_REALM = 'ApiKey realm="mcp-auth-gateway"';
/** The seed's API-key answer always says `valid`, refusals included. */
const NOT_VALID = { valid: false };

export interface PublicApiErrorAnswer {
  status: number;
  /** The OAuth-style `error` on the wire (RFC 6749 §5.2, RFC 6750 §3.1). */
  error: string;
  challenge?: (error: PublicApiError) => string;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
}

/**
 * The one wire answer of every public-listener refusal, one entry per code (the Record type
 * forces a new code to be mapped). Provider-failure messages are written by provider-flows
 * (host and status, never a secret), so the 502 shows them as the connect pages do.
 */
export const PUBLIC_API_ERRORS: Record<PublicApiErrorCode, PublicApiErrorAnswer> = {
  api_key_missing: {
    status: 401,
    error: 'invalid_request',
    challenge: () => API_KEY_REALM,
    body: NOT_VALID,
  },
  invalid_api_key: {
    status: 401,
    error: 'invalid_api_key',
    challenge: () => API_KEY_REALM,
    body: NOT_VALID,
  },
  invalid_token: {
    status: 401,
    error: 'invalid_token',
    challenge: () => `${BEARER_REALM}, error="invalid_token"`,
  },
  insufficient_scope: {
    status: 403,
    error: 'insufficient_scope',
    challenge: (e) => `${BEARER_REALM}, error="insufficient_scope", scope="${e.scope ?? ''}"`,
  },
  invalid_request: { status: 400, error: 'invalid_request' },
  unknown_provider: { status: 404, error: 'invalid_request' },
  invalid_grant: { status: 400, error: 'invalid_grant' },
  access_denied: { status: 403, error: 'access_denied' },
  provider_unavailable: { status: 502, error: 'temporarily_unavailable' },
  // Redis down: the same request succeeds once it is back (as the HTML pages say).
  store_unavailable: {
    status: 503,
    error: 'temporarily_unavailable',
    headers: { 'retry-after': String(REDIS_RETRY_AFTER_SECONDS) },
  },
};
