import { AdminApiError } from '../http/admin-api.error';

/** ETag of one policy: its row version. */
export const policyEtag = (rowVersion: number): string => `"${rowVersion}"`;
/** ETag of the whole set: the policy-set version. */
export const setEtag = (version: number): string => `"set-${version}"`;

/**
 * RFC 9110 If-Match with a single strong validator or `*`. Returns the expected version, or
 * undefined when there is no precondition (absent header or `*`, which the store turns into
 * "must exist"). A validator that is not one of ours can never match: 412.
 */
export function expectedVersion(header: string | undefined, pattern: RegExp): number | undefined {
  if (header === undefined || header.trim() === '*') {
    return undefined;
  }
  const match = pattern.exec(header.trim());
  if (!match) {
    throw new AdminApiError('precondition_failed', 'If-Match does not match the current ETag');
  }
  return Number(match[1]);
}

export const POLICY_ETAG = /^"(\d{1,10})"$/;
export const SET_ETAG = /^"set-(\d{1,15})"$/;
