import type { FieldError } from '@app/policy-engine';

/** Every refusal the internal API can answer (the gateway's client maps the same set). */
export type InternalApiErrorCode =
  | 'unauthorized'
  | 'bad_request'
  | 'validation_failed'
  | 'not_found'
  | 'payload_too_large'
  | 'unsupported_media_type';

/** An internal API refusal; the internal error filter turns `code` into status and title. */
export class InternalApiError extends Error {
  constructor(
    readonly code: InternalApiErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'InternalApiError';
  }
}
