import { constantTimeEqual } from '@app/crypto';

/** Whether an Authorization header carries the admin token (`Bearer <ADMIN_TOKEN>`), in constant time. */
export function isAdminAuthorization(
  header: string | string[] | undefined,
  adminToken: string,
): boolean {
  const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header) : null;
  // Compare even when the header is malformed, so timing does not tell the two apart.
  return constantTimeEqual(match ? match[1] : '', adminToken) && match !== null;
}

/** Who the admin token acts as, on revisions and audit events. */
export const ADMIN_TOKEN_ACTOR = 'admin-token';
