import type { InboundCredential } from '../auth/inbound-credential';
import { GatewayError } from '../http/gateway-error';
import type { AuthErrorType } from './gateway-metrics';

/**
 * The `auth_error_total` type of an authentication failure. The verifiers' refusals are all
 * `invalid_token` on the wire (SPEC-MUST 4); the metric tells apart what an operator acts on: an
 * expired token (clients not refreshing), one that could not be verified (a key server down: the
 * error carries its cause), an unknown API key.
 */
export function authErrorType(error: unknown, credential: InboundCredential): AuthErrorType {
  if (
    !(error instanceof GatewayError) ||
    error.code !== 'invalid_token' ||
    error.details.cause !== undefined
  ) {
    return 'unverifiable';
  }
  if (credential.scheme === 'api_key') {
    return 'unknown_key';
  }
  // bearer-token.verifier.ts says so in its message for jose's JWTExpired, and only then.
  return error.message === 'the token has expired' ? 'expired' : 'invalid_token';
}
