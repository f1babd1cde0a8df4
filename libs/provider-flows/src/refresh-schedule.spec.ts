import { jitteredRunAt, refreshWindow } from './refresh-schedule';
import { failureKind } from './refresh-connection.usecase';
import { OAuthClientError } from './oauth-client.error';

const timing = { thresholdMs: 300_000, keepAliveMs: 7 * 86_400_000 };
const at = (ms: number) => new Date(ms);

describe('issue 10 §1: the refresh window (lead = min(REFRESH_THRESHOLD_S, half the lifetime))', () => {
  it('a 1-hour token is due REFRESH_THRESHOLD_S before expiry, jitter at most 30 s earlier', () => {
    expect(
      refreshWindow({ expiresAt: at(3_600_000), issuedAt: at(0), hasRefreshToken: true }, timing),
    ).toEqual({ dueAt: 3_300_000, earliestAt: 3_270_000 });
  });

  it('a 1-minute token is due at half its lifetime, not 5 minutes before (no refresh loop)', () => {
    expect(
      refreshWindow({ expiresAt: at(60_000), issuedAt: at(0), hasRefreshToken: true }, timing),
    ).toEqual({ dueAt: 30_000, earliestAt: 27_000 });
  });

  it('a token without expiry but with a refresh token gets a keep-alive refresh', () => {
    expect(
      refreshWindow({ expiresAt: null, issuedAt: at(1000), hasRefreshToken: true }, timing)?.dueAt,
    ).toBe(1000 + 7 * 86_400_000);
  });

  it('nothing to refresh without a refresh token', () => {
    expect(
      refreshWindow({ expiresAt: at(60_000), issuedAt: at(0), hasRefreshToken: false }, timing),
    ).toBeNull();
  });

  it('rows without issued_at fall back to the threshold', () => {
    expect(
      refreshWindow({ expiresAt: at(3_600_000), issuedAt: null, hasRefreshToken: true }, timing)
        ?.dueAt,
    ).toBe(3_300_000);
  });

  it('a run time lies in the window and never in the past', () => {
    const window = { dueAt: 10_000, earliestAt: 7_000 };
    expect(jitteredRunAt(window, 0, () => 0)).toBe(7_000);
    expect(jitteredRunAt(window, 0, () => 0.999)).toBeCloseTo(9_997, 0);
    expect(jitteredRunAt(window, 20_000, () => 0.5)).toBe(20_000);
  });
});

describe('issue 10 §2: what a failed refresh means', () => {
  const oauth = (code: string | undefined, status: number) =>
    new OAuthClientError('oauth_error', 'x', code, { status });

  it.each([
    ['invalid_grant at 400 → needs_reauth', oauth('invalid_grant', 400), 'needs_reauth'],
    ['invalid_scope at 400 → needs_reauth', oauth('invalid_scope', 400), 'needs_reauth'],
    ['invalid_client at 401 → unusable', oauth('invalid_client', 401), 'unusable'],
    ['unsupported_grant_type → unusable', oauth('unsupported_grant_type', 400), 'unusable'],
    ['429 with a JSON error → retry', oauth('rate_limited', 429), 'retry'],
    ['503 with invalid_grant → retry (the server is down)', oauth('invalid_grant', 503), 'retry'],
    ['temporarily_unavailable at 400 → retry', oauth('temporarily_unavailable', 400), 'retry'],
    ['network failure → retry', new OAuthClientError('unreachable', 'x'), 'retry'],
    ['a non-JSON 502 → retry', new OAuthClientError('bad_response', 'x'), 'retry'],
  ])('%s', (_name, error, kind) => {
    expect(failureKind(error)).toBe(kind);
  });
});
