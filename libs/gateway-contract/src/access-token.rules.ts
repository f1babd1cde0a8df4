/**
 * The access tokens the broker issues and the gateway accepts (RFC 9068 JWT access tokens):
 * signed ES256, header `typ: at+jwt`, `iss` the broker's BROKER_PUBLIC_URL byte for byte, `aud`
 * one canonical gateway resource (gateway-resource.ts), granted scopes space-separated in `scope`.
 */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_ALGORITHM = 'ES256';

/** The issuer of our access tokens: the broker's public URL exactly as configured (no slash added). */
export function accessTokenIssuer(brokerPublicUrl: string): string {
  return brokerPublicUrl;
}

/** Verification options in the shape of jose's `jwtVerify` (the only algorithm, type and issuer). */
export function accessTokenVerifyOptions(brokerPublicUrl: string): {
  issuer: string;
  typ: typeof ACCESS_TOKEN_TYPE;
  algorithms: [typeof ACCESS_TOKEN_ALGORITHM];
} {
  return {
    issuer: accessTokenIssuer(brokerPublicUrl),
    typ: ACCESS_TOKEN_TYPE,
    algorithms: [ACCESS_TOKEN_ALGORITHM],
  };
}

/** The scopes a verified token grants (its `scope` claim; anything else grants none). */
export function grantedScopes(payload: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const scope = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  return new Set(scope.filter((s) => s !== ''));
}

/** The token's audiences as strings (`aud` may be one string or an array; other values count as none). */
export function tokenAudiences(payload: Readonly<Record<string, unknown>>): string[] {
  const audiences: unknown[] = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  return audiences.filter((aud): aud is string => typeof aud === 'string');
}
