import { z } from 'zod';

/**
 * Credential invalidation: the broker announces on this channel that the credential answers
 * cached for a principal (or for everyone) may be stale; the gateway drops them. A message
 * names who, never a credential: `{"subject":"<user subject>"}` after a user's connection was
 * created, re-authorised, refreshed or revoked; `{"all":true}` after an operator changed an API
 * key, a service account or a provider. Best effort: the gateway's cache entries also expire.
 */
export const credentialChangeSchema = z.union([
  z.strictObject({ subject: z.string().min(1).max(512) }),
  z.strictObject({ all: z.literal(true) }),
]);
export type CredentialChange = z.infer<typeof credentialChangeSchema>;

/** Redis channel of credential changes under a key prefix (REDIS_KEY_PREFIX). */
export function credentialChannel(keyPrefix: string): string {
  return `${keyPrefix}credentials:changed`;
}

/** A received message, or undefined when it is not one (a subscriber ignores it). */
export function parseCredentialChange(message: string): CredentialChange | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return undefined;
  }
  const result = credentialChangeSchema.safeParse(json);
  return result.success ? result.data : undefined;
}
