import { refreshReason } from './refresh-reason';
import { RefreshHealthTracker } from './refresh-health.tracker';

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

describe('/health/auth providers: degraded when the recent refreshes all failed', () => {
  const t0 = 1_000_000;

  it('three failures in ten minutes → degraded; one success among them → healthy', () => {
    const tracker = new RefreshHealthTracker();
    tracker.record('github', 'retry', t0);
    tracker.record('github', 'retry', t0 + 1);
    expect(tracker.health('github', t0 + 2)).toBe('healthy');
    tracker.record('github', 'unusable', t0 + 2);
    expect(tracker.health('github', t0 + 3)).toBe('degraded');
    tracker.record('github', 'refreshed', t0 + 3);
    expect(tracker.health('github', t0 + 4)).toBe('healthy');
  });

  it('failures older than ten minutes no longer count', () => {
    const tracker = new RefreshHealthTracker();
    for (let i = 0; i < 3; i++) {
      tracker.record('google', 'error', t0 + i);
    }
    expect(tracker.health('google', t0 + 10)).toBe('degraded');
    expect(tracker.health('google', t0 + 10 * 60_000 + 10)).toBe('healthy');
    expect(tracker.providers(t0 + 10 * 60_000 + 10)).toEqual([]);
  });
});
