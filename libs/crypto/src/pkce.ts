import { createHash } from 'node:crypto';
import { constantTimeEqual } from './constant-time-equal';
import { randomToken } from './random-token';

/** RFC 7636 §4.1: 43-128 characters of the unreserved set. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge is always 32 bytes of unpadded base64url. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** A fresh PKCE code verifier: 32 random bytes as base64url, 43 characters (RFC 7636 §4.1). */
export function createCodeVerifier(): string {
  return randomToken(32);
}

/** Whether `verifier` has the length and characters RFC 7636 §4.1 allows. */
export function isValidCodeVerifier(verifier: string): boolean {
  return typeof verifier === 'string' && CODE_VERIFIER.test(verifier);
}

/**
 * The `S256` code challenge: BASE64URL(SHA256(ASCII(verifier))) without padding (RFC 7636 §4.2).
 *
 * @throws TypeError on a verifier RFC 7636 does not allow: deriving a challenge from one would
 *   only postpone the failure to the authorization server.
 */
export function s256Challenge(verifier: string): string {
  if (!isValidCodeVerifier(verifier)) {
    throw new TypeError('A PKCE code verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~');
  }
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * Whether `verifier` answers the S256 `challenge` (RFC 7636 §4.6), compared in constant time.
 * Returns false, never throws, for input that is not a valid verifier or challenge, since both
 * arrive from clients.
 */
export function verifyS256(verifier: string, challenge: string): boolean {
  if (
    !isValidCodeVerifier(verifier) ||
    typeof challenge !== 'string' ||
    !S256_CHALLENGE.test(challenge)
  ) {
    return false;
  }
  return constantTimeEqual(s256Challenge(verifier), challenge);
}
