import { AdminApiError } from './admin-api.error';

/** Parses an optional positive integer query parameter, or answers 422 naming it. */
export function optionalInt(
  value: unknown,
  field: string,
  { min = 1, max = Number.MAX_SAFE_INTEGER } = {},
): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new AdminApiError('validation_failed', `invalid ${field}`, [
      { field, message: `must be an integer from ${min} to ${max}` },
    ]);
  }
  return parsed;
}
