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
  isGatewayResource,
} from './gateway-resource';
export { ADMIN_SCOPES, DEFAULT_SCOPE, isMcpScope, MCP_SCOPES, type McpScope } from './mcp-scopes';
