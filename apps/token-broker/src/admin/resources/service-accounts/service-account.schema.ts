import { z } from 'zod';
import { endpointUrl, resourceName, scopeList, secretText, text } from '../field.schemas';

const common = {
  name: resourceName,
  description: text(2000).default(''),
};
const token = secretText(8192).optional();

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
    value: secretText(8192).optional(),
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
      .refine((k) => k.includes('PRIVATE KEY'), { message: 'must be a PEM private key' })
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
