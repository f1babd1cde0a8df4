/**
 * Where the gateway keeps MCP sessions in Redis (under REDIS_KEY_PREFIX), defined once for the
 * gateway that writes them and the workers' session recovery that reads them.
 * - legacy relay bindings: a string (JSON `{principal, subject?, upstream, urlElicitation}`) at
 *   `<prefix>mcp-session:<upstream>:<sha256(session id)>`;
 * - aggregate sessions: a hash (`principal`, `subject`, `version`, …, `u:<upstream>`) at
 *   `<prefix>mcp-agg-session:<sha256(session id)>`; `u:<upstream>` is the upstream session the
 *   gateway opened for it (JSON `{id?, version}`), and a missing field makes the gateway open one.
 * `subject` is the user the broker knows (connections are stored under it); sessions written
 * before it was recorded carry the principal key only.
 */
export function gatewaySessionKeyPrefixes(keyPrefix: string): {
  relay: string;
  aggregate: string;
} {
  return { relay: `${keyPrefix}mcp-session:`, aggregate: `${keyPrefix}mcp-agg-session:` };
}

/**
 * The prefix of an aggregate session's per-upstream fields (`u:<upstream>`): written by the
 * gateway, dropped by the workers when that upstream restarted (its sessions are gone).
 */
export const AGGREGATE_UPSTREAM_FIELD = 'u:';
