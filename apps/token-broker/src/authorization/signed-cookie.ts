import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '@app/crypto';

/**
 * A JSON value in a `__Host-` cookie (Secure, Path=/, no Domain; HttpOnly; SameSite=Lax),
 * HMAC-SHA256-signed with the first key, verified with any (rotation), with an expiry inside the
 * signed value. Written by hand because it is twenty lines and the engine's cookie library is not
 * ours to depend on.
 */
export class SignedCookie<T extends object> {
  constructor(
    private readonly purpose: string,
    private readonly keys: Buffer[],
    private readonly maxAgeSeconds: number,
  ) {}

  /** A `Set-Cookie` header value. */
  issue(name: string, value: T, now = Date.now()): string {
    const payload = Buffer.from(
      JSON.stringify({ v: value, e: Math.floor(now / 1000) + this.maxAgeSeconds }),
    ).toString('base64url');
    return `${name}=${payload}.${this.mac(this.keys[0]!, payload)}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${this.maxAgeSeconds}`;
  }

  /** A `Set-Cookie` header value that deletes the cookie. */
  clear(name: string): string {
    return `${name}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`;
  }

  /** The value, if the cookie is present, signed by one of the keys and not expired. */
  read(cookieHeader: string | undefined, name: string, now = Date.now()): T | undefined {
    const raw = readCookie(cookieHeader, name);
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

export function readCookie(header: string | undefined, name: string): string | undefined {
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
