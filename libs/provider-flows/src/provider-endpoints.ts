/** Endpoints of the well-known providers, so an operator gives only a client id and secret. */
export type ProviderKind = 'github' | 'google' | 'microsoft' | 'oidc' | 'oauth2';
export const PROVIDER_KINDS = ['github', 'google', 'microsoft', 'oidc', 'oauth2'] as const;

export interface ProviderEndpoints {
  issuer?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  device_authorization_endpoint?: string;
  userinfo_endpoint?: string;
  revocation_endpoint?: string;
}

export function presetEndpoints(kind: ProviderKind, tenant: string): ProviderEndpoints {
  switch (kind) {
    case 'github':
      return {
        authorization_endpoint: 'https://github.com/login/oauth/authorize',
        token_endpoint: 'https://github.com/login/oauth/access_token',
        device_authorization_endpoint: 'https://github.com/login/device/code',
        userinfo_endpoint: 'https://api.github.com/user',
      };
    case 'google':
      return {
        issuer: 'https://accounts.google.com',
        authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
        token_endpoint: 'https://oauth2.googleapis.com/token',
        device_authorization_endpoint: 'https://oauth2.googleapis.com/device/code',
        userinfo_endpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
        revocation_endpoint: 'https://oauth2.googleapis.com/revoke',
      };
    case 'microsoft': {
      const base = `https://login.microsoftonline.com/${encodeURIComponent(tenant)}`;
      return {
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      };
    }
    case 'oidc':
    case 'oauth2':
      return {};
  }
}

/**
 * The endpoints a provider uses: the operator's explicit values over the preset of its kind.
 * Computed when read, so changing `kind` or `tenant` changes the preset endpoints too.
 */
export function effectiveEndpoints(
  kind: ProviderKind,
  settings: Record<string, unknown>,
): ProviderEndpoints {
  const tenant = typeof settings.tenant === 'string' ? settings.tenant : 'common';
  const merged: ProviderEndpoints = { ...presetEndpoints(kind, tenant) };
  for (const key of ENDPOINT_NAMES) {
    const explicit = settings[key];
    if (typeof explicit === 'string') {
      merged[key] = explicit;
    }
  }
  return merged;
}

export const ENDPOINT_NAMES = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'device_authorization_endpoint',
  'userinfo_endpoint',
  'revocation_endpoint',
] as const;
