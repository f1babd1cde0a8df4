export type PublicApiErrorCode =
  | 'invalid_api_key'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_grant'
  | 'access_denied'
  | 'temporarily_unavailable';

/** A refusal on the public listener: status, OAuth-style code, optional challenge and extra body. */
export class PublicApiError extends Error {
  constructor(
    readonly code: PublicApiErrorCode,
    readonly status: number,
    message: string,
    readonly challenge?: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'PublicApiError';
  }
}
