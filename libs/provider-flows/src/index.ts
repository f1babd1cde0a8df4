export { OAuthClientError, type OAuthClientErrorCode } from './oauth-client.error';
export {
  effectiveEndpoints,
  ENDPOINT_NAMES,
  presetEndpoints,
  PROVIDER_KINDS,
  type ProviderEndpoints,
  type ProviderKind,
} from './provider-endpoints';
export {
  expiresIn,
  TokenEndpointClient,
  type ClientAuth,
  type TokenResponse,
} from './token-endpoint.client';
