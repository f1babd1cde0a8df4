import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import {
  ACCESS_TOKEN_ALGORITHM,
  canonicalGatewayResource,
  defaultGatewayResource,
  MCP_SCOPES,
} from '@app/gateway-contract';

type ResourceIndicatorsFeature = NonNullable<
  NonNullable<Configuration['features']>['resourceIndicators']
>;

/**
 * RFC 8707 for the engine: tokens are for the gateway only, and a JWT access token's `aud` is the
 * canonical spelling of the resource (see @app/gateway-contract), whatever spelling the client used.
 */
export function resourceIndicators(
  gatewayPublicUrl: string,
  accessTokenTtlSeconds: number,
): ResourceIndicatorsFeature {
  const fallback = defaultGatewayResource(gatewayPublicUrl);
  const scope = Object.keys(MCP_SCOPES).join(' ');
  return {
    enabled: true,
    defaultResource: async (_ctx, _client, oneOf) => oneOf ?? fallback,
    useGrantedResource: async () => true,
    getResourceServerInfo: async (_ctx, resource) => {
      const audience = canonicalGatewayResource(resource, gatewayPublicUrl);
      if (audience === undefined) {
        throw new errors.InvalidTarget('resource is not this gateway');
      }
      return {
        scope,
        audience,
        accessTokenTTL: accessTokenTtlSeconds,
        accessTokenFormat: 'jwt',
        // The engine writes `typ: at+jwt` itself (RFC 9068); the algorithm is the contract's.
        jwt: { sign: { alg: ACCESS_TOKEN_ALGORITHM } },
      };
    },
  };
}

/**
 * The refresh grant's resource, checked the way the engine will resolve it (`resolve_resource`,
 * then `getResourceServerInfo`), but before it consumes the presented refresh token: the engine
 * checks the resource only after rotating, so a refused resource would otherwise cost the client
 * its token (and its grant on the retry). Run from `rotateRefreshToken`, the engine's last hook
 * before it consumes the token.
 */
export function assertRefreshResource(ctx: KoaContextWithOIDC, gatewayPublicUrl: string): void {
  const token = ctx.oidc.entities.RefreshToken as
    { resource?: string | string[]; resourceIndicators: Set<string> } | undefined;
  if (token === undefined) {
    return;
  }
  const requested = ctx.oidc.params?.resource as string | string[] | undefined;
  const granted =
    token.resource === undefined || (Array.isArray(token.resource) && token.resource.length === 0)
      ? undefined
      : token.resource;
  const resource = requested !== undefined && requested !== '' ? requested : granted;
  if (resource === undefined) {
    return;
  }
  if (Array.isArray(resource)) {
    throw new errors.InvalidTarget(
      'only a single resource indicator value must be requested/resolved during Access Token Request',
    );
  }
  if (!token.resourceIndicators.has(resource)) {
    throw new errors.InvalidTarget();
  }
  if (canonicalGatewayResource(resource, gatewayPublicUrl) === undefined) {
    throw new errors.InvalidTarget('resource is not this gateway');
  }
}
