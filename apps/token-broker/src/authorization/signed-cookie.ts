import { createHmac } from 'node:crypto';
import fastifyCookie, { type CookieSerializeOptions } from '@fastify/cookie';
import { constantTimeEqual } from '@app/crypto';

/** A cookie for the reply (`reply.setCookie(name, value, options)`, @fastify/cookie). */
export interface CookieToSet {
  name: string;
  value: string;
  options: CookieSerializeOptions;
}

/** The request's cookies as @fastify/cookie parsed them. */
export type RequestCookies = Record<string, string | undefined>;

/** Every cookie of the broker's pages: `__Host-` rules (Secure, Path=/, no Domain), HttpOnly, Lax. */
export function pageCookie(name: string, value: string, maxAgeSeconds: number): CookieToSet {
  return {
    name,
    value,
    options: { path: '/', secure: true, httpOnly: true, sameSite: 'lax', maxAge: maxAgeSeconds },
  };
}

/** Deletes a page cookie. */
export function clearedCookie(name: string): CookieToSet {
  return pageCookie(name, '', 0);
}

/**
 * A JSON value in a `__Host-` cookie, HMAC-SHA256-signed with the first key, verified with any
 * (rotation), with an expiry inside the signed value and the purpose in the MAC (a value signed
 * for one cookie never verifies as another). @fastify/cookie parses and serialises; its own
 * signing has neither the expiry nor the purpose binding, so that part stays here.
 */
export class SignedCookie<T extends object> {
  constructor(
    private readonly purpose: string,
    private readonly keys: Buffer[],
    private readonly maxAgeSeconds: number,
  ) {}

  issue(name: string, value: T, now = Date.now()): CookieToSet {
    const payload = Buffer.from(
      JSON.stringify({ v: value, e: Math.floor(now / 1000) + this.maxAgeSeconds }),
    ).toString('base64url');
    return pageCookie(name, `${payload}.${this.mac(this.keys[0]!, payload)}`, this.maxAgeSeconds);
  }

  /** The value, if the cookie is present, signed by one of the keys and not expired. */
  read(cookies: RequestCookies, name: string, now = Date.now()): T | undefined {
    const raw = cookies[name];
    const dot = raw?.indexOf('.') ?? -1;
    if (raw === undefined || dot < 0) {
      return undefined;
    }
    const payload = raw.slice(0, dot);
    const mac = raw.slice(dot + 1);
    if (!this.keys.some((key) => constantTimeEqual(this.mac(key, payload), mac))) {
      return undefined;
    }
    try {
      const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        v?: T;
        e?: number;
      };
      return typeof parsed.e === 'number' && parsed.e * 1000 > now && typeof parsed.v === 'object'
        ? parsed.v
        : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(key: Buffer, payload: string): string {
    return createHmac('sha256', key).update(`${this.purpose}.${payload}`).digest('base64url');
  }
}

/** One cookie of a `Cookie` header (parsed by @fastify/cookie, registered on the listener). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  return header === undefined ? undefined : fastifyCookie.parse(header)[name];
}
