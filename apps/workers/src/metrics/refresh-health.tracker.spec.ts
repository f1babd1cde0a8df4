import { RefreshHealthTracker } from './refresh-health.tracker';

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
