export type PolicyStoreErrorCode =
  | 'policy_not_found'
  | 'revision_not_found'
  | 'precondition_failed'
  | 'duplicate_name'
  | 'duplicate_priority';

/** A write the policy store refused; `code` is stable and mapped to HTTP by each surface. */
export class PolicyStoreError extends Error {
  constructor(
    readonly code: PolicyStoreErrorCode,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PolicyStoreError';
  }
}
