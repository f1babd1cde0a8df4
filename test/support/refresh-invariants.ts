import type { Vault } from '@app/crypto';
import type { MockTokenEndpoint } from '@app/testing';
import { connectionTokenBinding } from '@app/vault';

/** The refresh columns of a connection row, as `SELECT` gives them. */
export interface RefreshRow {
  id: string;
  provider_id: string;
  status: string;
  refresh_token_sealed: string | null;
  refresh_generation: number;
  refresh_lease_token: string | null;
  refresh_lease_until: Date | null;
  last_refresh_error: string | null;
  last_refreshed_at: Date | null;
}

export interface RefreshVerdict {
  /** Active, holding the latest refresh token the provider issued to it. */
  active: number;
  /** needs_reauth after presenting a refresh token the provider had already rotated. */
  needsReauth: number;
  /** Everything else, one line per connection (empty when the invariant holds). */
  violations: string[];
}

/**
 * The invariant of issue 10 §2 against a strict-rotation provider (the mock, one family per
 * connection id): every connection is `active` holding the family's latest refresh token, never
 * presented twice; or `needs_reauth` because the token it held had been used already (a refresh
 * whose answer never reached Postgres: nobody can save it), i.e. the provider saw it again (more
 * than once only when a process was also killed while it handled the `invalid_grant`).
 * None lost, none still leased.
 */
export function checkRefreshRows(
  rows: RefreshRow[],
  ids: string[],
  vault: Vault,
  mock: MockTokenEndpoint,
): RefreshVerdict {
  const verdict: RefreshVerdict = { active: 0, needsReauth: 0, violations: [] };
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const id of ids) {
    const row = byId.get(id);
    const fail = (why: string) => verdict.violations.push(`${id}: ${why}`);
    if (row === undefined) {
      fail('lost (no row)');
      continue;
    }
    if (row.refresh_lease_until !== null && row.refresh_lease_until.getTime() > Date.now()) {
      fail('still leased');
    }
    if (row.status === 'active') {
      const stored =
        row.refresh_token_sealed === null
          ? null
          : vault.open(
              row.refresh_token_sealed,
              connectionTokenBinding(row.id, row.provider_id, 'refresh_token'),
            );
      if (stored !== mock.latestOf(id)) {
        fail('active with a refresh token that is not the latest issued (a lost rotation)');
      } else if (mock.reusesOf(id) > 0) {
        fail(`active, but its family saw ${mock.reusesOf(id)} duplicate refresh(es)`);
      } else {
        verdict.active++;
      }
    } else if (row.status === 'needs_reauth') {
      if (row.last_refresh_error !== 'invalid_grant' || mock.reusesOf(id) === 0) {
        fail(
          `needs_reauth (${row.last_refresh_error}) with ${mock.reusesOf(id)} reuse(s) at the provider`,
        );
      } else {
        verdict.needsReauth++;
      }
    } else {
      fail(`status ${row.status}`);
    }
  }
  if (rows.length !== ids.length) {
    verdict.violations.push(`${rows.length} rows for ${ids.length} seeded connections`);
  }
  return verdict;
}
