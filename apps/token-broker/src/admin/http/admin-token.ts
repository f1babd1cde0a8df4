import { constantTimeEqual } from '@app/crypto';

/**
 * Whether an Authorization header is `Bearer <expected>`, compared in constant time (the admin
 * token, the internal API token).
 */
export function bearerMatches(header: string | string[] | undefined, expected: string): boolean {
  const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header) : null;
  // Compare even when the header is malformed, so timing does not tell the two apart.
  return constantTimeEqual(match ? match[1] : '', expected) && match !== null;
}

/** Who the admin token acts as, on revisions and audit events. */
export const ADMIN_TOKEN_ACTOR = 'admin-token';
