import type { FieldError } from '@app/policy-engine';

export type AdminApiErrorCode =
  | 'unauthorized'
  | 'bad_request'
  | 'validation_failed'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'payload_too_large'
  | 'unsupported_media_type';

/** An admin API refusal; the problem-details filter turns `code` into status and title. */
export class AdminApiError extends Error {
  constructor(
    readonly code: AdminApiErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}
