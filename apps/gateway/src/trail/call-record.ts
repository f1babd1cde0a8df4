import type { CallTrailRecord } from '@app/persistence';

/**
 * One tool call as the trail keeps it (issue 9 §4), a plain record so any route (`/mcp/{upstream}`,
 * the aggregated `/mcp`) can hand one to `CallTrail.record`. It names the credential injected by
 * kind, id and refresh generation only: never the credential, never the caller's token.
 */
export type CallRecord = CallTrailRecord;

/** What decided a tool call's end, as the trail records it. */
export type CallDecision =
  'allow' | 'deny' | 'auth_required' | 'unavailable' | 'upstream_error' | 'error';
