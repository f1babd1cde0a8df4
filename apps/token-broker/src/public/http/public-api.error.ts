/**
 * Why the public listener refused a request. Each code has one wire answer (status, OAuth-style
 * `error`, challenge) in PublicErrorFilter's map; the throw names only the code.
 */
export type PublicApiErrorCode =
  | 'api_key_missing'
  | 'invalid_api_key'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_request'
  | 'unknown_provider'
  | 'invalid_grant'
  | 'access_denied'
  | 'provider_unavailable'
  | 'store_unavailable';

/** A refusal on the public listener's JSON endpoints; the message is shown to the caller. */
export class PublicApiError extends Error {
  /** The scope an `insufficient_scope` refusal asks for (RFC 6750 §3.1 `scope`). */
  readonly scope?: string;

  constructor(
    readonly code: PublicApiErrorCode,
    message: string,
    options: { scope?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PublicApiError';
    if (options.scope !== undefined) {
      this.scope = options.scope;
    }
  }
}
