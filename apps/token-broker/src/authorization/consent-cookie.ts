import { createHash, createHmac } from 'node:crypto';
import { constantTimeEqual } from '@app/crypto';

/** How long a browser remembers a consent. */
export const CONSENT_COOKIE_MAX_AGE_SECONDS = 30 * 86400;

interface ConsentClaims {
  /** client id the consent is bound to */
  c: string;
  /** scopes consented */
  s: string[];
  /** expiry, epoch seconds */
  e: number;
}

/**
 * The consent cookie (SPEC-MUST 26): `__Host-` prefixed (Secure, Path=/, no Domain), HttpOnly,
 * SameSite=Lax, HMAC-signed, and bound to one client id (in the name and in the signed value),
 * so a consent given to one client can never be replayed for another.
 */
export class ConsentCookies {
  /** @param keys HMAC keys, the first signs, any verifies (rotation). */
  constructor(private readonly keys: Buffer[]) {}

  static nameFor(clientId: string): string {
    return `__Host-mcpgw-consent-${createHash('sha256').update(clientId).digest('hex').slice(0, 16)}`;
  }

  /** A `Set-Cookie` header value. */
  issue(clientId: string, scopes: string[], now = Date.now()): string {
    const claims: ConsentClaims = {
      c: clientId,
      s: [...new Set(scopes)].sort(),
      e: Math.floor(now / 1000) + CONSENT_COOKIE_MAX_AGE_SECONDS,
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const value = `${payload}.${this.mac(this.keys[0]!, payload)}`;
    return `${ConsentCookies.nameFor(clientId)}=${value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${CONSENT_COOKIE_MAX_AGE_SECONDS}`;
  }

  /** Whether the request's cookies hold a valid consent of this client covering every scope. */
  covers(
    cookieHeader: string | undefined,
    clientId: string,
    scopes: string[],
    now = Date.now(),
  ): boolean {
    const value = readCookie(cookieHeader, ConsentCookies.nameFor(clientId));
    if (value === undefined) {
      return false;
    }
    const dot = value.indexOf('.');
    if (dot < 0) {
      return false;
    }
    const payload = value.slice(0, dot);
    const mac = value.slice(dot + 1);
    if (!this.keys.some((key) => constantTimeEqual(this.mac(key, payload), mac))) {
      return false;
    }
    let claims: ConsentClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ConsentClaims;
    } catch {
      return false;
    }
    return (
      claims.c === clientId &&
      typeof claims.e === 'number' &&
      claims.e * 1000 > now &&
      Array.isArray(claims.s) &&
      scopes.every((scope) => claims.s.includes(scope))
    );
  }

  private mac(key: Buffer, payload: string): string {
    return createHmac('sha256', key).update(`consent.${payload}`).digest('base64url');
  }
}

/** A CSRF token bound to one interaction (which is itself bound to the browser by a cookie). */
export class CsrfTokens {
  constructor(private readonly keys: Buffer[]) {}

  issue(interactionUid: string): string {
    return this.mac(this.keys[0]!, interactionUid);
  }

  verify(interactionUid: string, token: unknown): boolean {
    return (
      typeof token === 'string' &&
      this.keys.some((key) => constantTimeEqual(this.mac(key, interactionUid), token))
    );
  }

  private mac(key: Buffer, uid: string): string {
    return createHmac('sha256', key).update(`csrf.${uid}`).digest('base64url');
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}
