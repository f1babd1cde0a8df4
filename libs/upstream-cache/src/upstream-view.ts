import type { UpstreamEntity } from '@app/persistence';

/** How the gateway hands the caller's tool credential to the upstream. */
export type UpstreamCredentialInjection =
  | { readonly type: 'authorization' }
  | { readonly type: 'header'; readonly name: string }
  | { readonly type: 'none' };

/** A registered upstream as the gateway routes to it (frozen: shared by every request). */
export interface UpstreamView {
  /** The route segment (`/mcp/<name>`) and the tool prefix (`<name>.<tool>`). */
  readonly name: string;
  readonly url: string;
  readonly credentialInjection: UpstreamCredentialInjection;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** A disabled upstream stays registered (its route answers, it is not forwarded to). */
  readonly enabled: boolean;
}

/** The view of a stored row; nothing the gateway does not need (no description, no bookkeeping). */
export function toUpstreamView(row: UpstreamEntity): UpstreamView {
  const injection = row.credentialInjection;
  return Object.freeze({
    name: row.name,
    url: row.url,
    credentialInjection: Object.freeze(
      injection.type === 'header'
        ? { type: 'header' as const, name: injection.name }
        : { type: injection.type },
    ),
    connectTimeoutMs: row.connectTimeoutMs,
    requestTimeoutMs: row.requestTimeoutMs,
    enabled: row.enabled,
  });
}
