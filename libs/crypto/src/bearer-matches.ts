import { constantTimeEqual } from './constant-time-equal';

/**
 * Whether an Authorization header is `Bearer <expected>` (RFC 6750 §2.1), compared in constant
 * time: the broker's admin token, the internal API token.
 */
export function bearerMatches(header: string | string[] | undefined, expected: string): boolean {
  const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header) : null;
  // Compare even when the header is malformed, so timing does not tell the two apart.
  return constantTimeEqual(match ? match[1] : '', expected) && match !== null;
}
