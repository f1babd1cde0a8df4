/**
 * Scopes of the gateway's resource, with what the consent page says of each. The broker grants
 * them; the gateway requires them per MCP method and names them in its challenges.
 */
export const MCP_SCOPES = {
  'mcp:tools:read': 'See the list of tools',
  'mcp:tools:execute': 'Call tools on your behalf',
  'mcp:resources:read': 'Read resources',
  'mcp:prompts:read': 'Use prompts',
  'mcp:admin:read': 'Read the gateway configuration (administrators only)',
  'mcp:admin:write': 'Change the gateway configuration (administrators only)',
} as const;

export type McpScope = keyof typeof MCP_SCOPES;

export function isMcpScope(scope: string): scope is McpScope {
  return Object.hasOwn(MCP_SCOPES, scope);
}

/** Granted only to users listed in AS_ADMIN_EMAILS; silently left out for everyone else. */
export const ADMIN_SCOPES: ReadonlySet<string> = new Set<McpScope>([
  'mcp:admin:read',
  'mcp:admin:write',
]);

/** What a client that sends no `scope` gets asked for (RFC 6749 §3.3 lets the server default it). */
export const DEFAULT_SCOPE = 'mcp:tools:read mcp:tools:execute mcp:resources:read mcp:prompts:read';
