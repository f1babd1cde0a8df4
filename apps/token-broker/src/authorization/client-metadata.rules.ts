import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { errors, type Configuration } from 'oidc-provider';
import { isLoopbackHost } from '@app/crypto';
import { isForbiddenAddress } from '@app/provider-flows';

type ClientMetadataValidator = NonNullable<Configuration['extraClientMetadata']>['validator'];

/**
 * Why a client's redirect URI is refused, or undefined when it is acceptable (SPEC-MUST 28):
 * https; http only on a loopback host; for native apps a private-use scheme in reverse-domain
 * form (RFC 8252 §7.1: the scheme contains a period, `com.example.app:/cb`), which keeps out
 * every browser, OS and protocol handler (`javascript:`, `ms-msdt:`, `chrome://`, `ws://`,
 * `ftp://`). Userinfo is refused everywhere: `https://trusted.example@evil.example/` reads as
 * one host and goes to another.
 */
export function redirectUriProblem(uri: string, native: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'redirect_uris must be absolute URIs';
  }
  if (url.username !== '' || url.password !== '' || /^[^:]+:\/\/[^/?#]*@/.test(uri)) {
    return 'redirect_uris must not contain userinfo';
  }
  if (url.protocol === 'https:') {
    return undefined;
  }
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname)
      ? undefined
      : 'redirect_uris must use https (http only on localhost, 127.0.0.1 or [::1])';
  }
  if (!native) {
    return 'only native clients may use a custom-scheme redirect URI';
  }
  return url.protocol.slice(0, -1).includes('.')
    ? undefined
    : 'redirect_uris must not use this scheme: a custom scheme must be in reverse-domain form (e.g. com.example.app:/callback)';
}

/**
 * The engine's extra client-metadata hook, for DCR and metadata documents alike: redirect URIs
 * follow the rules above, and a public client (`none`) holds no secret. The engine decides
 * whether to issue a secret from the request before it applies our default method (`none`), so a
 * client that named no method was handed one it can never use; the hook runs with the defaults
 * applied, and the engine's documented way to change metadata is to modify it here.
 */
export const validateClientMetadata: ClientMetadataValidator = (_ctx, key, value, metadata) => {
  if (key === 'redirect_uris' && metadata.token_endpoint_auth_method === 'none') {
    delete metadata.client_secret;
    delete metadata.client_secret_expires_at;
  }
  if ((key === 'redirect_uris' || key === 'post_logout_redirect_uris') && Array.isArray(value)) {
    for (const uri of value as unknown[]) {
      const problem = redirectUriProblem(String(uri), metadata.application_type === 'native');
      if (problem !== undefined) {
        // RFC 7591 §3.2.2's code, with the reason (the engine's default text is generic).
        throw Object.assign(new errors.InvalidRedirectUri(), { error_description: problem });
      }
    }
  }
};

/**
 * Whether a Client ID Metadata Document URL may be fetched: a client id is attacker-chosen, so
 * unlike operator-configured URLs no loopback exception: the name must not be a loopback or
 * `.localhost` name, and every address it resolves to must be public (private, loopback,
 * link-local incl. 169.254.169.254, CGNAT, multicast, IPv4-mapped are refused).
 */
export async function mayFetchClientDocument(
  clientId: string,
  lookup: (host: string) => Promise<string[]>,
): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return false;
  }
  if (
    url.protocol !== 'https:' ||
    isLoopbackHost(url.hostname) ||
    url.hostname.endsWith('.localhost')
  ) {
    return false;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  try {
    const addresses = isIP(host) !== 0 ? [host] : await lookup(host);
    return addresses.length > 0 && !addresses.some(isForbiddenAddress);
  } catch {
    return false;
  }
}

export async function dnsLookup(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
}
