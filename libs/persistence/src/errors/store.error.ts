export type StoreErrorCode = 'not_found' | 'precondition_failed' | 'duplicate_name';

/** A write to a named resource (provider, API key, service account) the store refused. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
