import { ConnectionEntity } from '@app/persistence';
import { expiryMarginMs, isFresh } from './expiry-margin';

const T0 = Date.parse('2026-12-02T00:00:00Z');
const token = (lifetimeMs: number | null, issued: boolean) =>
  Object.assign(new ConnectionEntity(), {
    expiresAt: lifetimeMs === null ? null : new Date(T0 + lifetimeMs),
    issuedAt: issued ? new Date(T0) : null,
  });

describe('issue 10 §2 expiry margin: min(30 s, a quarter of the lifetime)', () => {
  it('a 20 s token is handed out for 15 s (a 30 s margin would never hand it out)', () => {
    expect(expiryMarginMs(token(20_000, true))).toBe(5_000);
    expect(isFresh(token(20_000, true), T0 + 14_999)).toBe(true);
    expect(isFresh(token(20_000, true), T0 + 15_000)).toBe(false);
  });

  it('an hour-long token keeps the 30 s margin', () => {
    expect(expiryMarginMs(token(3600_000, true))).toBe(30_000);
    expect(isFresh(token(3600_000, true), T0 + 3570_000)).toBe(false);
  });

  it('without issued_at (older rows) the margin is 30 s; a token without expiry is always fresh', () => {
    expect(expiryMarginMs(token(20_000, false))).toBe(30_000);
    expect(isFresh(token(20_000, false), T0)).toBe(false);
    expect(isFresh(token(null, false), T0 + 10 ** 12)).toBe(true);
  });
});
