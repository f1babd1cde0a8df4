import { isLoopbackHost } from '@app/crypto';
import * as oauth from 'oauth4webapi';
import { OAuthClientError } from './oauth-client.error';
import { ENDPOINT_NAMES, type ProviderEndpoints } from './provider-endpoints';
import { providerFetch, USER_AGENT } from './provider-fetch';
import { assertFetchable } from './ssrf-guard';

const ISSUER_MISMATCH = 'metadata issuer does not match';
const fetchMetadata = providerFetch({ timeoutMs: 5000, maxBytes: 256 * 1024 });

interface Cached {
  endpoints: ProviderEndpoints;
  until: number;
}

/**
 * Endpoints of an OIDC / OAuth provider from its metadata (OpenID Connect Discovery 1.0 §4,
 * RFC 8414 §3), fetched and checked by oauth4webapi, SSRF-guarded (see assertFetchable and
 * providerFetch), bounded (256 KiB, 5 s, no redirects), the document's `issuer` identical to the
 * configured one, the endpoints it names filtered by {@link acceptableEndpoint}, cached per process.
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
    // Both well-known URLs are on the issuer's host: one check covers them.
    await assertFetchable(issuer);
    let lastError: unknown;
    // OIDC Discovery 1.0 §4 first, then RFC 8414 §3.1 (well-known segment before the path).
    for (const algorithm of ['oidc', 'oauth2'] as const) {
      try {
        return await this.fetchMetadata(issuer, algorithm);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof OAuthClientError
      ? lastError
      : new OAuthClientError('bad_response', `${new URL(issuer).host}: no provider metadata`);
  }

  private async fetchMetadata(
    issuer: string,
    algorithm: 'oidc' | 'oauth2',
  ): Promise<ProviderEndpoints> {
    const expected = new URL(issuer);
    const response = await oauth.discoveryRequest(expected, {
      algorithm,
      [oauth.customFetch]: fetchMetadata,
      // assertFetchable has already allowed plain http for loopback issuers only.
      [oauth.allowInsecureRequests]: true,
      headers: { 'user-agent': USER_AGENT },
    });
    let metadata: oauth.AuthorizationServer;
    try {
      metadata = await oauth.processDiscoveryResponse(expected, response);
    } catch (error) {
      throw new OAuthClientError('bad_response', `${expected.host}: ${refusal(error, response)}`);
    }
    // OIDC Discovery §4.3, RFC 8414 §3.3: the issuer must be identical, not merely equivalent
    // (oauth4webapi compares normalised URLs).
    if (metadata.issuer !== issuer) {
      throw new OAuthClientError('bad_response', `${expected.host}: ${ISSUER_MISMATCH}`);
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

/** Why a metadata answer was refused, in words that name no value from it. */
function refusal(error: unknown, response: Response): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case oauth.JSON_ATTRIBUTE_COMPARISON:
      return ISSUER_MISMATCH;
    case oauth.RESPONSE_IS_NOT_CONFORM:
      return `answered ${response.status} for its metadata`;
    case oauth.PARSE_ERROR:
    case oauth.RESPONSE_IS_NOT_JSON:
      return 'metadata is not JSON';
    default:
      return 'metadata is not usable';
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
