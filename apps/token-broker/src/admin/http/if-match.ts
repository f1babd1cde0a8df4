import { AdminApiError } from './admin-api.error';

/** ETag of one stored resource (policy, provider, API key, service account, upstream): its row version. */
export const rowEtag = (rowVersion: number): string => `"${rowVersion}"`;
/** ETag of the whole policy set: the policy-set version. */
export const policySetEtag = (version: number): string => `"set-${version}"`;

/**
 * RFC 9110 §13.1.1 If-Match: `*` or a list of entity tags compared strongly (weak tags never
 * match). Returns the versions the caller accepts, or undefined when there is no precondition
 * (absent header, or `*`, which the store turns into "must exist"). A list with none of our tags
 * can never match: 412.
 */
export function expectedVersions(
  header: string | undefined,
  pattern: RegExp,
): number[] | undefined {
  if (header === undefined || header.trim() === '*') {
    return undefined;
  }
  const versions = header
    .split(',')
    .map((tag) => pattern.exec(tag.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]));
  if (versions.length === 0) {
    throw new AdminApiError('precondition_failed', 'If-Match does not match the current ETag');
  }
  return versions;
}

/** An entity tag {@link rowEtag} made. */
export const ROW_ETAG = /^"(\d{1,10})"$/;
/** An entity tag {@link policySetEtag} made. */
export const POLICY_SET_ETAG = /^"set-(\d{1,15})"$/;
