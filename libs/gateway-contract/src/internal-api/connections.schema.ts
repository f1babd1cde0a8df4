import { z } from 'zod';

/**
 * `GET /internal/v1/connections?subject=…` → `{connections: ConnectionView[]}` and
 * `DELETE /internal/v1/connections/{id}?subject=…` → 204: a signed-in user's own connections,
 * listed and revoked by the gateway on their behalf (never their tokens).
 */
export const connectionsQuerySchema = z.strictObject({ subject: z.string().min(1).max(512) });
export type ConnectionsQuery = z.infer<typeof connectionsQuerySchema>;

export const connectionIdSchema = z.uuid();

export const connectionViewSchema = z.strictObject({
  id: z.uuid(),
  provider: z.string().min(1),
  scopes: z.array(z.string()),
  status: z.enum(['active', 'needs_reauth', 'revoked']),
  expires_at: z.iso.datetime().nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
export type ConnectionView = z.infer<typeof connectionViewSchema>;

export const connectionListSchema = z.strictObject({ connections: z.array(connectionViewSchema) });
export type ConnectionList = z.infer<typeof connectionListSchema>;
