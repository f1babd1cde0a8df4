/** The scopes each MCP method needs by default (exact method first, then `<prefix>/*`). */
export const DEFAULT_SCOPE_MAP: Readonly<Record<string, readonly string[]>> = {
  'tools/list': ['mcp:tools:read'],
  'tools/call': ['mcp:tools:execute'],
  'resources/*': ['mcp:resources:read'],
  'prompts/*': ['mcp:prompts:read'],
  'completion/complete': ['mcp:prompts:read'],
};

/** Every scope a caller of the gateway may be asked for (RFC 9728 `scopes_supported`, challenges). */
export const GATEWAY_SCOPES = [
  'mcp:tools:read',
  'mcp:tools:execute',
  'mcp:resources:read',
  'mcp:prompts:read',
];

/**
 * Method → required scopes, the defaults merged with GATEWAY_SCOPE_MAP. Methods not listed (and
 * not under a listed prefix) — initialize, ping, notifications, server/discover, responses — need
 * a valid token and nothing more.
 */
export class ScopeMap {
  private readonly map: Readonly<Record<string, readonly string[]>>;

  constructor(overrides: Readonly<Record<string, readonly string[]>>) {
    this.map = { ...DEFAULT_SCOPE_MAP, ...overrides };
  }

  required(method: string): readonly string[] {
    if (Object.hasOwn(this.map, method)) {
      return this.map[method]!;
    }
    const slash = method.indexOf('/');
    const prefix = slash === -1 ? undefined : `${method.slice(0, slash)}/*`;
    return prefix !== undefined && Object.hasOwn(this.map, prefix) ? this.map[prefix]! : [];
  }
}

/**
 * SPEC-MUST 5 "broader scopes satisfy narrower ones": `mcp:tools` covers `mcp:tools:read` and
 * `mcp:tools:execute`; `mcp:tools:execute` covers `mcp:tools:read` (who may call may list).
 */
export function scopeSatisfies(granted: ReadonlySet<string>, required: string): boolean {
  if (granted.has(required)) {
    return true;
  }
  const parts = required.split(':');
  for (let i = parts.length - 1; i > 0; i--) {
    if (granted.has(parts.slice(0, i).join(':'))) {
      return true;
    }
  }
  return required.endsWith(':read') && granted.has(`${required.slice(0, -':read'.length)}:execute`);
}
