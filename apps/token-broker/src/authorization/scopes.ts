import { MCP_SCOPES } from '@app/gateway-contract';

/** OpenID Connect scopes, for clients that also want to know who the user is. */
export const OIDC_SCOPES = {
  openid: 'Know your user id at this gateway',
  profile: 'See your name',
  email: 'See your email address',
} as const;

export function describeScope(scope: string): string {
  return (
    (MCP_SCOPES as Record<string, string>)[scope] ??
    (OIDC_SCOPES as Record<string, string>)[scope] ??
    scope
  );
}
