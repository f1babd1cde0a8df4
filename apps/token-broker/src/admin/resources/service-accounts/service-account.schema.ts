import { z } from 'zod';
import { createPrivateKey } from 'node:crypto';
import {
  endpointUrl,
  headerSecret,
  resourceName,
  scopeList,
  secretText,
  text,
} from '../field.schemas';

const common = {
  name: resourceName,
  description: text(2000).default(''),
};
const token = headerSecret(8192).optional();

/** A PKCS#8 RSA private key, as in Google's JSON key files (what RS256 signing needs). */
function isPkcs8RsaKey(pem: string): boolean {
  if (!pem.trimStart().startsWith('-----BEGIN PRIVATE KEY-----')) {
    return false;
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem' }).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

/**
 * A service account as operators write it, by type. Secret fields (`token`, `value`,
 * `client_secret`, `credentials.private_key`) are write-only: required at creation, kept when
 * absent on a later PUT or PATCH.
 */
export const serviceAccountInputSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...common,
    type: z.literal('github_pat'),
    token,
    scopes: scopeList.default([]),
  }),
  z.strictObject({
    ...common,
    type: z.literal('gitlab_pat'),
    token,
    scopes: scopeList.default([]),
    base_url: endpointUrl.default('https://gitlab.com'),
  }),
  z.strictObject({ ...common, type: z.literal('static_bearer'), token }),
  z.strictObject({
    ...common,
    type: z.literal('static_header'),
    header_name: z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, { message: 'must be an HTTP header name' })
      .refine(
        (h) => !['cookie', 'host', 'content-length', 'transfer-encoding'].includes(h.toLowerCase()),
        {
          message:
            'must not be a hop or framing header (cookie, host, content-length, transfer-encoding)',
        },
      ),
    value: headerSecret(8192).optional(),
  }),
  z.strictObject({
    ...common,
    type: z.literal('oauth2_client_credentials'),
    token_endpoint: endpointUrl,
    client_id: text(512).min(1),
    client_secret: secretText(4096).optional(),
    scopes: scopeList.default([]),
    resource: endpointUrl.optional(),
  }),
  z.strictObject({
    ...common,
    type: z.literal('google_service_account'),
    client_email: z.email({ message: 'must be the service account e-mail' }),
    private_key: secretText(16384)
      .refine(isPkcs8RsaKey, {
        message: 'must be a PKCS#8 PEM RSA private key (-----BEGIN PRIVATE KEY-----)',
      })
      .optional(),
    private_key_id: text(128).optional(),
    token_uri: endpointUrl.default('https://oauth2.googleapis.com/token'),
    scopes: scopeList.min(1, { message: 'at least one scope is required' }),
    subject: z.email().optional(),
  }),
]);

export type ServiceAccountInput = z.infer<typeof serviceAccountInputSchema>;

/** Which fields of each type are secret (sealed, write-only). */
export const SECRET_FIELDS: Record<ServiceAccountInput['type'], readonly string[]> = {
  github_pat: ['token'],
  gitlab_pat: ['token'],
  static_bearer: ['token'],
  static_header: ['value'],
  oauth2_client_credentials: ['client_secret'],
  google_service_account: ['private_key'],
};

/** Where each type's secret is sent: changing any of these without re-entering the secret is refused. */
export const SECRET_DESTINATION: Record<ServiceAccountInput['type'], readonly string[]> = {
  github_pat: [],
  gitlab_pat: ['base_url'],
  static_bearer: [],
  static_header: ['header_name'],
  oauth2_client_credentials: ['token_endpoint', 'client_id'],
  google_service_account: ['token_uri', 'client_email'],
};
