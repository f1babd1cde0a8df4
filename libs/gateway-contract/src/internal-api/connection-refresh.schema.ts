import { z } from 'zod';
import type { AuthMethod } from '@app/policy-engine';
import { type Principal, principalSchema } from './credential-resolution.schema';

/**
 * `POST /internal/v1/connections/{id}/refresh`: the upstream answered 401 to a call carrying the
 * token of connection `{id}` at `generation` (from the `inject` answer's `credential`); the broker
 * refreshes it (single flight with the workers) and answers like a resolve (`credentialAnswerSchema`):
 * the new `inject`, `auth_required` with the remedy, or `unavailable`. The connection must be the
 * principal's own, for the auth method's provider. `reauthorize`: the upstream refused even the
 * refreshed token, so the answer is the remedy.
 */
export const refreshConnectionRequestSchema = z.strictObject({
  principal: principalSchema,
  auth_method: z.unknown(),
  generation: z.number().int().nonnegative(),
  reauthorize: z.boolean().optional(),
});
export interface RefreshConnectionRequest {
  principal: Principal;
  auth_method: AuthMethod;
  generation: number;
  reauthorize?: boolean;
}
