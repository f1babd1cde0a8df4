/** Who is calling, as inbound authentication established it (never the credential itself). */
export interface Principal {
  /** Stable id of the caller across requests: `<issuer>|<subject>`, or `apikey:<id>` for an API key. */
  key: string;
  /** The user (or key) id the broker knows the caller by. */
  subject: string;
  kind: 'bearer' | 'api_key';
  /** Granted scopes (an API key grants the MCP scopes, see api-key.verifier.ts). */
  scopes: ReadonlySet<string>;
  /** Audiences of a bearer token (empty for an API key: a key is the whole gateway's). */
  audiences: readonly string[];
  /** Present for API-key callers: what `api_key` policies compare. */
  apiKey?: { name: string; permissions: string[] };
  /** The OAuth client the bearer token was issued to (`client_id`, else `azp`), when it says. */
  clientId?: string;
  /** When the credential stops being valid (ms since epoch), if known. */
  expiresAt: number | undefined;
}
