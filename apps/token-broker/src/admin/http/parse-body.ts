import type { z } from 'zod';
import type { FieldError } from '@app/policy-engine';
import { AdminApiError } from './admin-api.error';

function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') {
      return `${acc}[${key}]`;
    }
    return acc ? `${acc}.${String(key)}` : String(key);
  }, '');
}

/** Validates a request body with a zod schema; failures become a 422 with one error per field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
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
      { field: fieldName(issue.path) || 'body', message: missing ? 'is required' : issue.message },
    ];
  });
  throw new AdminApiError('validation_failed', 'the request body is invalid', errors);
}
