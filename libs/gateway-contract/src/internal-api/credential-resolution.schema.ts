import { z } from 'zod';
import type { AuthMethod } from '@app/policy-engine';

/**
 * `POST /internal/v1/credentials/resolve`: the gateway asks what to do for one tool call, the
 * broker answers. The broker parses requests and checks its answers with these schemas; the
 * gateway builds requests and parses answers with the same ones.
 */

/** Who is calling through the gateway, as the gateway authenticated them. */
export const principalSchema = z.strictObject({
  subject: z.string().min(1).max(512),
  /** Present when the caller authenticated with an API key. */
  api_key: z
    .strictObject({
      name: z.string().max(64),
      permissions: z.array(z.string().max(128)).max(100),
    })
    .optional(),
});
export type Principal = z.infer<typeof principalSchema>;

/**
 * `auth_method` is the winning policy's, validated by the broker with `validateAuthMethod` from
 * `@app/policy-engine` (the one validator of auth methods, with its field errors), so the schema
 * only says it is present.
 */
export const resolveCredentialRequestSchema = z.strictObject({
  principal: principalSchema,
  auth_method: z.unknown(),
});
export interface ResolveCredentialRequest {
  principal: Principal;
  auth_method: AuthMethod;
}

const httpUrl = z.url({ protocol: /^https?$/ });
const seconds = z.number().int().positive();
const providerName = z.string().min(1).max(200);

/** The facts of an authorization-code + PKCE remedy: a broker page bound to the user. */
export const oauthRemedySchema = z.strictObject({
  auth_type: z.literal('oauth'),
  provider: providerName,
  authorization_url: httpUrl,
  state: z.string().min(1).max(512),
  expires_in: seconds,
});
/** The facts of a device-code remedy (RFC 8628 §3.2; the broker polls, never the gateway). */
export const deviceCodeRemedySchema = z.strictObject({
  auth_type: z.literal('device_code'),
  provider: providerName,
  user_code: z.string().min(1).max(512),
  verification_uri: httpUrl,
  verification_uri_complete: httpUrl.optional(),
  expires_in: seconds,
  interval: seconds,
});
/** What the user must do before the call can succeed: one remedy, encoded by the gateway per wire. */
export const remedySchema = z.discriminatedUnion('auth_type', [
  oauthRemedySchema,
  deviceCodeRemedySchema,
]);
export type OAuthRemedy = z.infer<typeof oauthRemedySchema>;
export type DeviceCodeRemedy = z.infer<typeof deviceCodeRemedySchema>;
export type Remedy = z.infer<typeof remedySchema>;

/** Header names as HTTP tokens in lower case; values with no line breaks or NUL (no injection). */
const injectedHeaders = z.record(
  z.string().regex(/^[!#$%&'*+.^_`|~0-9a-z-]{1,128}$/),
  z.string().regex(/^[^\r\n\0]*$/),
);

/**
 * Which credential an `inject` answer carries (issue 9 §4, the call trail): its kind, its row id
 * and, for a connection, its refresh generation. Never the secret. Optional on the wire so an older
 * broker's answer still parses.
 */
export const trailCredentialSchema = z.strictObject({
  kind: z.enum(['connection', 'api_key', 'service_account', 'static']),
  id: z.string().min(1).max(200),
  generation: z.number().int().nonnegative().nullable(),
});
export type TrailCredential = z.infer<typeof trailCredentialSchema>;

/**
 * The answer. `auth_required` carries the remedy's facts plus `instructions`, the seed's
 * `-32001` text built by `remedyInstructions` (kept on the wire for existing consumers; the
 * gateway can rebuild it from the facts).
 */
export const credentialAnswerSchema = z.discriminatedUnion('outcome', [
  z.strictObject({
    outcome: z.literal('inject'),
    headers: injectedHeaders,
    expires_at: z.iso.datetime().nullable(),
    credential: trailCredentialSchema.optional(),
  }),
  z.strictObject({ outcome: z.literal('none') }),
  z.strictObject({ outcome: z.literal('denied'), reason: z.string() }),
  z.strictObject({ outcome: z.literal('unavailable'), reason: z.string() }),
  z.strictObject({
    outcome: z.literal('auth_required'),
    remedy: z.discriminatedUnion('auth_type', [
      oauthRemedySchema.extend({ instructions: z.string() }),
      deviceCodeRemedySchema.extend({ instructions: z.string() }),
    ]),
  }),
]);
export type CredentialAnswer = z.infer<typeof credentialAnswerSchema>;
