import { createHmac } from 'node:crypto';
import { constantTimeEqual, sha256Hex } from '@app/crypto';
import { type CookieToSet, type RequestCookies, SignedCookie } from './signed-cookie';

/** How long a browser remembers a consent. */
export const CONSENT_COOKIE_MAX_AGE_SECONDS = 30 * 86400;

/**
 * The consent cookie (SPEC-MUST 26): `__Host-` prefixed (Secure, Path=/, no Domain), HttpOnly,
 * SameSite=Lax, HMAC-signed, and bound to one client id (in the name and in the signed value),
 * so a consent given to one client can never be replayed for another, and to the resources it
 * was given for (`r`), so a consent for one upstream never covers another.
 */
export class ConsentCookies {
  private readonly cookie: SignedCookie<{ c: string; s: string[]; r: string[] }>;

  /** @param keys HMAC keys, the first signs, any verifies (rotation). */
  constructor(keys: Buffer[]) {
    this.cookie = new SignedCookie('consent', keys, CONSENT_COOKIE_MAX_AGE_SECONDS);
  }

  static nameFor(clientId: string): string {
    return `__Host-mcpgw-consent-${sha256Hex(clientId).slice(0, 16)}`;
  }

  issue(clientId: string, resources: string[], scopes: string[], now = Date.now()): CookieToSet {
    return this.cookie.issue(
      ConsentCookies.nameFor(clientId),
      { c: clientId, s: [...new Set(scopes)].sort(), r: [...new Set(resources)].sort() },
      now,
    );
  }

  /**
   * Whether the request's cookies hold a valid consent of this client covering every scope for
   * every resource.
   */
  covers(
    cookies: RequestCookies,
    clientId: string,
    resources: string[],
    scopes: string[],
    now = Date.now(),
  ): boolean {
    const claims = this.cookie.read(cookies, ConsentCookies.nameFor(clientId), now);
    return (
      claims !== undefined &&
      claims.c === clientId &&
      Array.isArray(claims.s) &&
      Array.isArray(claims.r) &&
      resources.every((resource) => claims.r.includes(resource)) &&
      scopes.every((scope) => claims.s.includes(scope))
    );
  }
}

/** A CSRF token bound to a value the browser already proves (an interaction id, a user session). */
export class CsrfTokens {
  constructor(private readonly keys: Buffer[]) {}

  issue(boundTo: string): string {
    return this.mac(this.keys[0]!, boundTo);
  }

  verify(boundTo: string, token: unknown): boolean {
    return (
      typeof token === 'string' &&
      this.keys.some((key) => constantTimeEqual(this.mac(key, boundTo), token))
    );
  }

  private mac(key: Buffer, boundTo: string): string {
    return createHmac('sha256', key).update(`csrf.${boundTo}`).digest('base64url');
  }
}
