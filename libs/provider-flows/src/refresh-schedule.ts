/** How far ahead connections are refreshed (REFRESH_THRESHOLD_S, REFRESH_KEEPALIVE_HOURS). */
export interface RefreshTiming {
  thresholdMs: number;
  keepAliveMs: number;
}

/** The timing plus the single-flight lease (REFRESH_LEASE_MS). */
export type RefreshSettings = RefreshTiming & { leaseMs: number };

/** The refresh settings from the broker's or the workers' configuration. */
export function refreshSettings(config: {
  REFRESH_THRESHOLD_S: number;
  REFRESH_KEEPALIVE_HOURS: number;
  REFRESH_LEASE_MS: number;
}): RefreshSettings {
  return {
    thresholdMs: config.REFRESH_THRESHOLD_S * 1000,
    keepAliveMs: config.REFRESH_KEEPALIVE_HOURS * 3_600_000,
    leaseMs: config.REFRESH_LEASE_MS,
  };
}

/** When a connection's next refresh is due, and the earliest a jittered job may run it. */
export interface RefreshWindow {
  /** The latest moment to refresh: `expires_at − lead`. */
  dueAt: number;
  /** Jobs are spread over [earliestAt, dueAt] so that tokens issued together are not refreshed together. */
  earliestAt: number;
}

// A job spreads its run over at most this much (or a tenth of the lead, whichever is smaller).
const MAX_JITTER_MS = 30_000;

/**
 * The refresh window of a connection (issue 10 §1), in one place for the workers' schedule and
 * the refresh's own "is it due?" check. The lead is REFRESH_THRESHOLD_S, but never more than half
 * the token's lifetime: a provider issuing 1-minute tokens must not be refreshed in a loop.
 * A connection whose access token does not expire but that holds a refresh token gets a keep-alive
 * refresh `keepAliveMs` after it was obtained, before an idle refresh token would lapse.
 * Null: nothing to refresh (no refresh token).
 */
export function refreshWindow(
  connection: { expiresAt: Date | null; issuedAt: Date | null; hasRefreshToken: boolean },
  timing: RefreshTiming,
  now = Date.now(),
): RefreshWindow | null {
  if (!connection.hasRefreshToken) {
    return null;
  }
  if (connection.expiresAt === null) {
    const dueAt = (connection.issuedAt?.getTime() ?? now) + timing.keepAliveMs;
    return { dueAt, earliestAt: dueAt - MAX_JITTER_MS };
  }
  const expiresAt = connection.expiresAt.getTime();
  // Unknown issue time (rows from before issued_at existed): assume the threshold is fine.
  const lifetime = Math.max(
    0,
    expiresAt - (connection.issuedAt?.getTime() ?? expiresAt - 2 * timing.thresholdMs),
  );
  const lead = Math.min(timing.thresholdMs, lifetime / 2);
  const dueAt = expiresAt - lead;
  return { dueAt, earliestAt: dueAt - Math.min(MAX_JITTER_MS, lead / 10) };
}

/** A moment in the window, uniformly spread, never in the past. */
export function jitteredRunAt(
  window: RefreshWindow,
  now = Date.now(),
  random = Math.random,
): number {
  return Math.max(now, window.earliestAt + random() * (window.dueAt - window.earliestAt));
}
