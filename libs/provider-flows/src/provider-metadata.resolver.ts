import { isLoopbackHost } from '@app/crypto';
import { OAuthClientError } from './oauth-client.error';
import { ENDPOINT_NAMES, type ProviderEndpoints } from './provider-endpoints';
import { assertFetchable, guardedFetch } from './ssrf-guard';
import { readBoundedText } from './token-endpoint.client';

const MAX_METADATA_BYTES = 256 * 1024;
const TIMEOUT_MS = 5000;

interface Cached {
  endpoints: ProviderEndpoints;
  until: number;
}

/**
 * Endpoints of an OIDC / OAuth provider from its metadata (OpenID Connect Discovery 1.0 §4,
 * RFC 8414 §3), SSRF-guarded (see assertFetchable), bounded (256 KiB, 5 s, no redirects), checked
 * (the document's `issuer` must equal the configured one) and cached per process.
 */
export class ProviderMetadataResolver {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly ttlMs = 3_600_000) {}

  async endpoints(issuer: string, now = Date.now()): Promise<ProviderEndpoints> {
    const cached = this.cache.get(issuer);
    if (cached && cached.until > now) {
      return cached.endpoints;
    }
    const endpoints = await this.discover(issuer);
    if (this.cache.size >= 1000) {
      this.cache.clear();
    }
    this.cache.set(issuer, { endpoints, until: now + this.ttlMs });
    return endpoints;
  }

  private async discover(issuer: string): Promise<ProviderEndpoints> {
    const base = new URL(issuer);
    const path = base.pathname.replace(/\/$/, '');
    const candidates = [
      new URL(`${path}/.well-known/openid-configuration`, base.origin).toString(),
      // RFC 8414 §3.1: the well-known segment goes before the issuer's path.
      new URL(`/.well-known/oauth-authorization-server${path}`, base.origin).toString(),
    ];
    let lastError: unknown;
    for (const candidate of candidates) {
      try {
        return await this.fetchMetadata(candidate, issuer);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof OAuthClientError
      ? lastError
      : new OAuthClientError('bad_response', `${base.host}: no provider metadata`, undefined, {
          cause: lastError,
        });
  }

  private async fetchMetadata(url: string, issuer: string): Promise<ProviderEndpoints> {
    await assertFetchable(url);
    let response: Response;
    try {
      response = await guardedFetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new OAuthClientError('unreachable', `${new URL(url).host} is unreachable`, undefined, {
        cause: error,
      });
    }
    if (!response.ok) {
      throw new OAuthClientError(
        'bad_response',
        `${new URL(url).host} answered ${response.status} for its metadata`,
      );
    }
    let document: unknown;
    try {
      document = JSON.parse(await readBoundedText(response, MAX_METADATA_BYTES));
    } catch (error) {
      throw error instanceof OAuthClientError
        ? error
        : new OAuthClientError('bad_response', `${new URL(url).host}: metadata is not JSON`);
    }
    const metadata = document as Record<string, unknown>;
    if (metadata === null || typeof metadata !== 'object' || metadata.issuer !== issuer) {
      // OIDC Discovery §4.3, RFC 8414 §3.3: a document for another issuer must not be used.
      throw new OAuthClientError(
        'bad_response',
        `${new URL(url).host}: metadata issuer does not match`,
      );
    }
    const endpoints: ProviderEndpoints = { issuer };
    for (const name of ENDPOINT_NAMES) {
      const value = metadata[name];
      if (
        name !== 'issuer' &&
        typeof value === 'string' &&
        value.length <= 2048 &&
        acceptableEndpoint(value, issuer)
      ) {
        endpoints[name] = value;
      }
    }
    return endpoints;
  }
}

/**
 * An endpoint a discovery document may name: https without credentials or fragment; plain http or
 * a loopback host only when the issuer itself is on loopback (local development). The document
 * must not steer secrets to a local service or over plain HTTP.
 */
export function acceptableEndpoint(value: string, issuer: string): boolean {
  if (!URL.canParse(value)) {
    return false;
  }
  const url = new URL(value);
  const localIssuer = isLoopbackHost(new URL(issuer).hostname);
  if (url.username !== '' || url.password !== '' || url.hash !== '') {
    return false;
  }
  if (isLoopbackHost(url.hostname)) {
    return localIssuer;
  }
  return url.protocol === 'https:';
}
