export type OAuthClientErrorCode =
  | 'unreachable'
  | 'bad_response'
  | 'oauth_error'
  | 'invalid_state'
  | 'wrong_user'
  | 'unknown_provider'
  | 'not_allowed';

/**
 * A call to a provider endpoint failed. `oauthError` carries the RFC 6749 §5.2 / RFC 8628 §3.5
 * `error` code when the server sent one (e.g. `authorization_pending`). Messages name the host and
 * the status, never a secret or a token.
 */
export class OAuthClientError extends Error {
  constructor(
    readonly code: OAuthClientErrorCode,
    message: string,
    readonly oauthError?: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.name = 'OAuthClientError';
    this.status = options?.status;
  }

  /** The HTTP status of the provider's answer, when there was one (429 and 5xx are transient). */
  readonly status?: number;
}
