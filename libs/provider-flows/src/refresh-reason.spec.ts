import type { ConnectionEntity } from '@app/persistence';
import { refreshAttempt, refreshReason } from './refresh-reason';

const failed = (state: 'retry' | 'needs_reauth' | 'unusable', reason: string) => ({
  state,
  reason,
  providerId: 'p',
});

describe('auth_token_refresh_total reason label: a closed set (bounded cardinality)', () => {
  it.each([
    ['an RFC 6749 code as it is', failed('needs_reauth', 'invalid_grant'), 'invalid_grant'],
    [
      'a transient OAuth code',
      failed('retry', 'temporarily_unavailable'),
      'temporarily_unavailable',
    ],
    ['a lost lease', failed('retry', 'the refresh lease was lost before the write'), 'lease_lost'],
    [
      'discovery',
      failed('retry', 'provider discovery failed: idp.example: no provider metadata'),
      'discovery_failed',
    ],
    [
      'no token endpoint',
      failed('unusable', 'the provider has no token endpoint'),
      'no_token_endpoint',
    ],
    ['a network failure (our prose)', failed('retry', 'idp.example is unreachable'), 'transport'],
    ['a provider code outside RFC 6749', failed('needs_reauth', 'token_revoked_by_admin'), 'other'],
  ])('%s', (_, outcome, label) => {
    expect(refreshReason(outcome)).toBe(label);
  });

  it('a success is `none`', () => {
    expect(refreshReason({ state: 'refreshed' })).toBe('none');
  });
});

describe('auth_token_refresh_total: what counts as an attempt (workers and broker alike)', () => {
  it('a refresh and each failure that reached (or tried to reach) the provider', () => {
    const connection = { providerId: 'p' } as ConnectionEntity;
    expect(refreshAttempt({ state: 'refreshed', connection })).toEqual({
      providerId: 'p',
      outcome: 'refreshed',
      reason: 'none',
    });
    expect(refreshAttempt(failed('needs_reauth', 'invalid_grant'))).toEqual({
      providerId: 'p',
      outcome: 'needs_reauth',
      reason: 'invalid_grant',
    });
  });

  it('not due, lease busy and gone made no attempt: not counted', () => {
    const connection = { providerId: 'p' } as ConnectionEntity;
    expect(refreshAttempt({ state: 'current', connection })).toBeNull();
    expect(refreshAttempt({ state: 'busy', until: new Date() })).toBeNull();
    expect(refreshAttempt({ state: 'gone', reason: 'the connection was removed' })).toBeNull();
  });
});
