import { z } from 'zod';
import type { CallTrailCursor, CallTrailFilters } from '@app/persistence';
import { zodFieldErrors } from '../../http/zod-field-errors';
import { AdminApiError } from '../http/admin-api.error';

const text = z.string().min(1).max(512);

/** An opaque cursor: base64url of `{t, id}`, the last row's time and id (newest-first order). */
const cursorSchema = z
  .string()
  .max(200)
  .transform((value, ctx): CallTrailCursor => {
    try {
      const raw = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
      const parsed = z
        .strictObject({ t: z.iso.datetime(), id: z.string().regex(/^\d{1,19}$/) })
        .parse(raw);
      return { occurredAt: new Date(parsed.t), id: parsed.id };
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a cursor this API returned' });
      return z.NEVER;
    }
  });

/** `GET /admin/v1/audit/calls` query: each filter optional, unknown parameters refused. */
export const callTrailQuerySchema = z
  .strictObject({
    principal: text.optional(),
    tool: text.optional(),
    policy: text.optional(),
    decision: z
      .enum(['allow', 'deny', 'auth_required', 'unavailable', 'upstream_error', 'error'])
      .optional(),
    upstream: text.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    cursor: cursorSchema.optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, 'must be an integer from 1 to 500')
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(1, 'must be an integer from 1 to 500')
          .max(500, 'must be an integer from 1 to 500'),
      )
      .optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || new Date(q.from) < new Date(q.to), {
    path: ['to'],
    message: 'must be after from',
  });

export interface CallTrailQuery {
  filters: CallTrailFilters;
  cursor: CallTrailCursor | null;
  limit: number;
}

/** Parses the query string or answers 400 with one error per parameter. */
export function parseCallTrailQuery(query: unknown): CallTrailQuery {
  const result = callTrailQuerySchema.safeParse(query ?? {});
  if (!result.success) {
    throw new AdminApiError(
      'bad_request',
      'invalid query parameters',
      zodFieldErrors(result.error, 'query'),
    );
  }
  const q = result.data;
  return {
    filters: {
      principal: q.principal,
      tool: q.tool,
      policyId: q.policy,
      decision: q.decision,
      upstream: q.upstream,
      from: q.from === undefined ? undefined : new Date(q.from),
      to: q.to === undefined ? undefined : new Date(q.to),
    },
    cursor: q.cursor ?? null,
    limit: q.limit ?? 50,
  };
}

export function encodeCursor(cursor: CallTrailCursor): string {
  return Buffer.from(
    JSON.stringify({ t: cursor.occurredAt.toISOString(), id: cursor.id }),
    'utf8',
  ).toString('base64url');
}
