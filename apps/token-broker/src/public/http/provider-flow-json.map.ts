import type { OAuthClientError, OAuthClientErrorCode } from '@app/provider-flows';
import { PublicApiError, type PublicApiErrorCode } from './public-api.error';

/**
 * How the JSON connect endpoints (`/mcp/auth/*`) answer each provider-flow failure: one entry per
 * code, none forgotten (the HTML pages have theirs in provider-flow-page.map.ts).
 */
const JSON_ERRORS: Record<
  OAuthClientErrorCode,
  { code: PublicApiErrorCode; message?: (error: OAuthClientError) => string }
> = {
  invalid_state: { code: 'invalid_grant' },
  wrong_user: { code: 'access_denied' },
  oauth_error: {
    code: 'invalid_grant',
    message: (e) => `the provider refused: ${e.oauthError ?? 'error'}`,
  },
  unknown_provider: { code: 'unknown_provider' },
  not_allowed: { code: 'invalid_request' },
  bad_response: { code: 'provider_unavailable' },
  unreachable: { code: 'provider_unavailable' },
};

/** The public-listener refusal for a provider-flow failure. */
export function providerFlowApiError(error: OAuthClientError): PublicApiError {
  const entry = JSON_ERRORS[error.code];
  return new PublicApiError(entry.code, entry.message?.(error) ?? error.message, { cause: error });
}
