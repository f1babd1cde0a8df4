import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import {
  ACCESS_TOKEN_ALGORITHM,
  canonicalGatewayResource,
  defaultGatewayResource,
  gatewayResourceUpstream,
  MCP_SCOPES,
} from '@app/gateway-contract';

/** Which upstream names are registered (the process's UpstreamCache). */
export interface RegisteredUpstreams {
  get(name: string): object | undefined;
}

type ResourceIndicatorsFeature = NonNullable<
  NonNullable<Configuration['features']>['resourceIndicators']
>;

/**
 * The token audience for a requested resource, or RFC 8707 `invalid_target`: the gateway's base
 * URL, its aggregated `/mcp`, or `/mcp/<name>` while `<name>` is a registered upstream (enabled
 * or not: a disabled upstream's route still answers); canonical spelling (@app/gateway-contract).
 */
export function gatewayAudience(
  resource: string,
  gatewayPublicUrl: string,
  upstreams: RegisteredUpstreams,
): string {
  const audience = canonicalGatewayResource(resource, gatewayPublicUrl);
  if (audience === undefined) {
    throw new errors.InvalidTarget('resource is not this gateway');
  }
  const upstream = gatewayResourceUpstream(audience, gatewayPublicUrl);
  if (upstream !== undefined && upstreams.get(upstream) === undefined) {
    throw new errors.InvalidTarget('resource names no upstream registered at this gateway');
  }
  return audience;
}

/**
 * RFC 8707 for the engine: tokens are for the gateway and its registered upstreams only, and a
 * JWT access token's `aud` is the canonical spelling of the resource, whatever spelling the
 * client used. The engine asks on authorize, code exchange and refresh alike.
 */
export function resourceIndicators(
  gatewayPublicUrl: string,
  accessTokenTtlSeconds: number,
  upstreams: RegisteredUpstreams,
): ResourceIndicatorsFeature {
  const fallback = defaultGatewayResource(gatewayPublicUrl);
  const scope = Object.keys(MCP_SCOPES).join(' ');
  return {
    enabled: true,
    defaultResource: async (_ctx, _client, oneOf) => oneOf ?? fallback,
    useGrantedResource: async () => true,
    getResourceServerInfo: async (_ctx, resource) => {
      const audience = gatewayAudience(resource, gatewayPublicUrl, upstreams);
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
export function assertRefreshResource(
  ctx: KoaContextWithOIDC,
  gatewayPublicUrl: string,
  upstreams: RegisteredUpstreams,
): void {
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
  gatewayAudience(resource, gatewayPublicUrl, upstreams);
}
