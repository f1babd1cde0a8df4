import type { z } from 'zod';
import type { FieldError } from '@app/policy-engine';

function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') {
      return `${acc}[${key}]`;
    }
    return acc ? `${acc}.${String(key)}` : String(key);
  }, '');
}

/**
 * A zod failure as one error per field (`a.b[0]`), the shape both the admin and the internal API
 * answer with; `whole` names the input when the issue is about all of it (`body`, `query`).
 */
export function zodFieldErrors(error: z.ZodError, whole: string): FieldError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: fieldName([...issue.path, key]),
        message: 'unknown field',
      }));
    }
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    return [
      { field: fieldName(issue.path) || whole, message: missing ? 'is required' : issue.message },
    ];
  });
}
