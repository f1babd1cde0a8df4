import { errors, type Configuration } from 'oidc-provider';
import { canonicalGatewayResource, defaultGatewayResource } from './gateway-resource';
import { MCP_SCOPES } from './scopes';

type ResourceIndicatorsFeature = NonNullable<
  NonNullable<Configuration['features']>['resourceIndicators']
>;

/**
 * RFC 8707 for the engine: tokens are for the gateway only, and a JWT access token's `aud` is the
 * canonical spelling of the resource (see gateway-resource.ts), whatever spelling the client used.
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
        jwt: { sign: { alg: 'ES256' } },
      };
    },
  };
}
