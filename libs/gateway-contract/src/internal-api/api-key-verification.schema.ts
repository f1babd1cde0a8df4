import { z } from 'zod';

/**
 * `POST /internal/v1/api-keys/verify`: the gateway authenticates `Authorization: ApiKey <key>`
 * callers without holding the pepper the keys are hashed under, so it asks the broker. The broker
 * parses requests and checks its answers with these schemas; the gateway builds requests and
 * parses answers with the same ones.
 */

/** Longest key the gateway forwards; anything longer is no key of ours (refuse it unasked). */
export const MAX_PRESENTED_API_KEY_LENGTH = 512;

/** The key exactly as presented (its format is checked by the broker, in constant work). */
export const verifyApiKeyRequestSchema = z.strictObject({
  key: z.string().min(1).max(MAX_PRESENTED_API_KEY_LENGTH),
});
export type VerifyApiKeyRequest = z.infer<typeof verifyApiKeyRequestSchema>;

/**
 * The principal of a key: `apikey:<id>`, the key's row id as the admin API names it
 * (`/admin/v1/api-keys/{id}`). Stable for the key's life, unique among keys, never part of the
 * key itself, and in a namespace no user subject of the broker's IdP login can take.
 */
export function apiKeySubject(apiKeyId: string): string {
  return `apikey:${apiKeyId}`;
}

/**
 * 200 either way: `valid: false` is the one answer for every rejection (malformed, unknown,
 * inactive, expired): which part failed is not the caller's business.
 */
export const apiKeyVerificationSchema = z.discriminatedUnion('valid', [
  z.strictObject({
    valid: z.literal(true),
    subject: z.string().regex(/^apikey:[0-9a-f-]{36}$/),
    key_name: z.string().min(1).max(64),
    permissions: z.array(z.string().min(1).max(128)).max(100),
    expires_at: z.iso.datetime().nullable(),
  }),
  z.strictObject({ valid: z.literal(false) }),
]);
export type ApiKeyVerification = z.infer<typeof apiKeyVerificationSchema>;
