import type { RefreshOutcome } from './refresh-connection.usecase';

/** The outcomes of a refresh that called (or tried to call) the provider, plus one that threw. */
export type RefreshAttemptOutcome = 'refreshed' | 'needs_reauth' | 'retry' | 'unusable' | 'error';

/** One refresh attempt as `auth_token_refresh_total` counts it (reason: a closed set). */
export interface RefreshAttempt {
  providerId: string;
  outcome: Exclude<RefreshAttemptOutcome, 'error'>;
  reason: string;
}

/** RFC 6749 §5.2 (and RFC 8628 §3.5) codes a token endpoint may answer: counted by name. */
const OAUTH_CODES = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'access_denied',
  'temporarily_unavailable',
  'server_error',
  'slow_down',
]);

/** The use case's own reasons (RefreshConnectionUseCase), by the text it gives them. */
const OWN_REASONS: [prefix: string, label: string][] = [
  ['the refresh lease was lost', 'lease_lost'],
  ['provider discovery failed', 'discovery_failed'],
  ['the provider client secret cannot be opened', 'client_secret_unreadable'],
  ['the provider has no token endpoint', 'no_token_endpoint'],
  ['the stored refresh token cannot be opened', 'refresh_token_unreadable'],
];

/**
 * The `reason` label of `auth_token_refresh_total`: a closed set whatever the provider answers
 * (an `error` code outside RFC 6749 is the provider's text, so it counts as `other`; a network
 * failure or a non-OAuth answer — 502 page, 429 without JSON — as `transport`).
 */
export function refreshReason(
  outcome: Extract<RefreshOutcome, { reason: string }> | { state: 'refreshed' },
): string {
  if (outcome.state === 'refreshed') {
    return 'none';
  }
  if (OAUTH_CODES.has(outcome.reason)) {
    return outcome.reason;
  }
  const own = OWN_REASONS.find(([prefix]) => outcome.reason.startsWith(prefix));
  if (own !== undefined) {
    return own[1];
  }
  // A bare code of another vocabulary (no spaces) came from the provider; prose is our transport error.
  return /\s/.test(outcome.reason) ? 'transport' : 'other';
}

/**
 * What a RefreshConnectionUseCase outcome counts as, for every refresher (workers, broker):
 * outcomes that made no attempt (current, busy, gone) are not counted (`null`).
 */
export function refreshAttempt(outcome: RefreshOutcome): RefreshAttempt | null {
  switch (outcome.state) {
    case 'refreshed':
      return {
        providerId: outcome.connection.providerId,
        outcome: 'refreshed',
        reason: refreshReason(outcome),
      };
    case 'needs_reauth':
    case 'retry':
    case 'unusable':
      return {
        providerId: outcome.providerId,
        outcome: outcome.state,
        reason: refreshReason(outcome),
      };
    case 'current':
    case 'busy':
    case 'gone':
      return null;
  }
}
