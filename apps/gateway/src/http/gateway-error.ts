import type { CredentialAnswer } from '@app/gateway-contract';

/**
 * Why the gateway refuses a request, as a closed set of codes (one map to the wire:
 * gateway-error.map.ts). Messages below 500 are shown to the client; never a token or a key.
 */
export type GatewayErrorCode =
  | 'origin_not_allowed'
  | 'token_in_query'
  | 'missing_credential'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'unknown_upstream'
  | 'unsupported_media_type'
  | 'parse_error'
  | 'invalid_message'
  | 'header_mismatch'
  | 'invalid_params'
  | 'session_not_found'
  | 'method_not_allowed'
  | 'policy_denied'
  | 'rate_limited'
  | 'auth_required'
  | 'credential_unavailable'
  | 'broker_unavailable'
  | 'upstream_unavailable'
  | 'internal_error';

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** Scopes the operation needs (insufficient_scope), or other facts the map puts on the wire. */
    readonly details: {
      scopes?: readonly string[];
      cause?: unknown;
      remedy?: Extract<CredentialAnswer, { outcome: 'auth_required' }>['remedy'];
      /** rate_limited: seconds until the window resets (the `Retry-After` value). */
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}
