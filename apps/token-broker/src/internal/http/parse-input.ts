import type { z } from 'zod';
import { zodFieldErrors } from '../../http/zod-field-errors';
import { InternalApiError } from './internal-api.error';

/**
 * Validates a request body or query string with a zod schema; failures become a 422 with one
 * error per field (`body` or `query` when the whole input is wrong).
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: 'body' | 'query',
): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  throw new InternalApiError(
    'validation_failed',
    `the request ${where} is invalid`,
    zodFieldErrors(result.error, where),
  );
}
