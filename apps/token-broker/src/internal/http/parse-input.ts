import type { z } from 'zod';
import type { FieldError } from '@app/policy-engine';
import { InternalApiError } from './internal-api.error';

function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') {
      return `${acc}[${key}]`;
    }
    return acc ? `${acc}.${String(key)}` : String(key);
  }, '');
}

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
  const errors: FieldError[] = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: fieldName([...issue.path, key]),
        message: 'unknown field',
      }));
    }
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    return [
      { field: fieldName(issue.path) || where, message: missing ? 'is required' : issue.message },
    ];
  });
  throw new InternalApiError('validation_failed', `the request ${where} is invalid`, errors);
}
