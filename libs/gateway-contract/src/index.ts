export {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  accessTokenIssuer,
  accessTokenVerifyOptions,
  grantedScopes,
  tokenAudiences,
} from './access-token.rules';
export {
  canonicalGatewayResource,
  defaultGatewayResource,
  gatewayResourceUpstream,
  isGatewayResource,
} from './gateway-resource';
export { ADMIN_SCOPES, DEFAULT_SCOPE, isMcpScope, MCP_SCOPES, type McpScope } from './mcp-scopes';
export {
  connectionIdSchema,
  type ConnectionList,
  connectionListSchema,
  connectionsQuerySchema,
  type ConnectionsQuery,
  type ConnectionView,
  connectionViewSchema,
} from './internal-api/connections.schema';
export {
  type RefreshConnectionRequest,
  refreshConnectionRequestSchema,
} from './internal-api/connection-refresh.schema';
export {
  type CredentialAnswer,
  credentialAnswerSchema,
  type DeviceCodeRemedy,
  deviceCodeRemedySchema,
  type OAuthRemedy,
  oauthRemedySchema,
  type Principal,
  principalSchema,
  type Remedy,
  remedySchema,
  type ResolveCredentialRequest,
  resolveCredentialRequestSchema,
  type TrailCredential,
  trailCredentialSchema,
} from './internal-api/credential-resolution.schema';
export { remedyInstructions, type RemedyOccasion } from './remedy-instructions';
export {
  type CredentialChange,
  credentialChangeSchema,
  credentialChannel,
  parseCredentialChange,
} from './credential-change';
export {
  apiKeySubject,
  type ApiKeyVerification,
  apiKeyVerificationSchema,
  MAX_PRESENTED_API_KEY_LENGTH,
  type VerifyApiKeyRequest,
  verifyApiKeyRequestSchema,
} from './internal-api/api-key-verification.schema';
export {
  type ConnectionCompleted,
  connectionCompletedChannel,
  connectionCompletedSchema,
  parseConnectionCompleted,
} from './connection-completed';
export { AGGREGATE_UPSTREAM_FIELD, gatewaySessionKeyPrefixes } from './session-keys';
