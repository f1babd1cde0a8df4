export type CredentialErrorCode =
  'unknown_account' | 'token_endpoint_failed' | 'credential_unusable';

/** Obtaining a machine credential failed; `code` is stable, the message carries no secret. */
export class CredentialError extends Error {
  constructor(
    readonly code: CredentialErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CredentialError';
  }
}
