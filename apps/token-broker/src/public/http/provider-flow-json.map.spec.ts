import { OAuthClientError, type OAuthClientErrorCode } from '@app/provider-flows';
import { PUBLIC_API_ERRORS } from './public-api-error.map';
import { providerFlowApiError } from './provider-flow-json.map';

/** The wire answers `/mcp/auth/*` gave for provider-flow failures before the map existed. */
const EXPECTED: Record<OAuthClientErrorCode, { status: number; error: string }> = {
  invalid_state: { status: 400, error: 'invalid_grant' },
  wrong_user: { status: 403, error: 'access_denied' },
  oauth_error: { status: 400, error: 'invalid_grant' },
  unknown_provider: { status: 404, error: 'invalid_request' },
  not_allowed: { status: 400, error: 'invalid_request' },
  bad_response: { status: 502, error: 'temporarily_unavailable' },
  unreachable: { status: 502, error: 'temporarily_unavailable' },
};

describe('provider-flow failures on the JSON connect endpoints', () => {
  it.each(Object.entries(EXPECTED))('%s → %o', (code, wire) => {
    const failure = new OAuthClientError(code as OAuthClientErrorCode, 'provider said no');
    const refusal = providerFlowApiError(failure);
    expect(PUBLIC_API_ERRORS[refusal.code]).toMatchObject(wire);
    expect(refusal.cause).toBe(failure);
  });

  it('a provider refusal names the OAuth error the provider sent, nothing more', () => {
    const refusal = providerFlowApiError(
      new OAuthClientError(
        'oauth_error',
        'token endpoint said bad_verification_code',
        'bad_verification_code',
      ),
    );
    expect(refusal.message).toBe('the provider refused: bad_verification_code');
  });
});
