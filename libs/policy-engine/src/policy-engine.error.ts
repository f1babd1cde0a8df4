/** Stable machine-readable codes carried by {@link PolicyEngineError}. */
export const POLICY_ENGINE_ERROR_CODES = ['invalid_policy_set', 'invalid_compile_options'] as const;
export type PolicyEngineErrorCode = (typeof POLICY_ENGINE_ERROR_CODES)[number];

/**
 * Raised when the engine is handed input it cannot work with safely, such as a
 * policy set that skipped validation and holds a pattern too costly to expand.
 * Field-level problems in operator input are reported as `FieldError`s instead.
 */
export class PolicyEngineError extends Error {
  override readonly name = 'PolicyEngineError';

  constructor(
    readonly code: PolicyEngineErrorCode,
    message: string,
  ) {
    super(message);
  }
}
