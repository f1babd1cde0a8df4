import { z } from 'zod';
import { endpointUrl, resourceName, scopeList, secretText, text } from '../field.schemas';
import { PROVIDER_KINDS } from '@app/provider-flows';

const endpointFields = {
  issuer: endpointUrl.optional(),
  authorization_endpoint: endpointUrl.optional(),
  token_endpoint: endpointUrl.optional(),
  device_authorization_endpoint: endpointUrl.optional(),
  userinfo_endpoint: endpointUrl.optional(),
  revocation_endpoint: endpointUrl.optional(),
};

/**
 * A provider as operators write it (snake_case, the fields of the predecessor's
 * `oauth_providers`). `client_secret` is write-only: `null` removes it, absence keeps it.
 */
export const providerInputSchema = z
  .strictObject({
    name: resourceName,
    kind: z.enum(PROVIDER_KINDS),
    client_id: text(512).min(1, { message: 'must not be empty' }),
    client_secret: secretText(4096).nullable().optional(),
    ...endpointFields,
    scopes: scopeList.default([]),
    oauth_enabled: z.boolean().default(true),
    device_code_enabled: z.boolean().default(false),
    /** RFC 8707 resource indicator sent on authorization and token requests. */
    resource: endpointUrl.optional(),
    /** Microsoft only: the directory tenant (default `common`). */
    tenant: z
      .string()
      .regex(/^[A-Za-z0-9.-]{1,64}$/, { message: 'must be a tenant id or domain' })
      .optional(),
  })
  .superRefine((p, ctx) => {
    if (!p.oauth_enabled && !p.device_code_enabled) {
      ctx.addIssue({
        code: 'custom',
        path: ['oauth_enabled'],
        message: 'enable oauth, device_code or both',
      });
    }
    if (p.tenant !== undefined && p.kind !== 'microsoft') {
      ctx.addIssue({ code: 'custom', path: ['tenant'], message: 'only for kind microsoft' });
    }
    if (p.kind === 'oidc' && p.issuer === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['issuer'],
        message: 'is required for kind oidc (endpoints come from discovery)',
      });
    }
    if (p.kind === 'oauth2') {
      if (p.token_endpoint === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['token_endpoint'],
          message: 'is required for kind oauth2',
        });
      }
      if (p.oauth_enabled && p.authorization_endpoint === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['authorization_endpoint'],
          message: 'is required when oauth_enabled',
        });
      }
      if (p.device_code_enabled && p.device_authorization_endpoint === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['device_authorization_endpoint'],
          message: 'is required when device_code_enabled',
        });
      }
    }
  });

export type ProviderInput = z.infer<typeof providerInputSchema>;
