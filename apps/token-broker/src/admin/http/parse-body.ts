import type { z } from 'zod';
import { zodFieldErrors } from '../../http/zod-field-errors';
import { AdminApiError } from './admin-api.error';

/** Validates a request body with a zod schema; failures become a 422 with one error per field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) {
    return result.data;
  }
  throw new AdminApiError(
    'validation_failed',
    'the request body is invalid',
    zodFieldErrors(result.error, 'body'),
  );
}
