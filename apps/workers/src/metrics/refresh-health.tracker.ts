import { Injectable } from '@nestjs/common';
import type { RefreshAttemptOutcome } from '@app/provider-flows';

/** Attempts older than this say nothing about the provider now. */
const WINDOW_MS = 10 * 60_000;
/** Attempts kept per provider (the most recent). */
const KEPT = 20;
/** Fewer recent attempts than this are not enough to call a provider degraded. */
const MIN_ATTEMPTS = 3;

export type ProviderHealth = 'healthy' | 'degraded';

/**
 * The recent refresh attempts of this workers process, per provider, for `/health/auth`: a
 * provider whose last attempts (at least three in ten minutes) all failed is `degraded`. One
 * success among them is enough for `healthy` (a single user revoking a grant is not an outage).
 */
@Injectable()
export class RefreshHealthTracker {
  private readonly recent = new Map<string, { at: number; ok: boolean }[]>();

  record(provider: string, outcome: RefreshAttemptOutcome, now = Date.now()): void {
    const attempts = this.recent.get(provider) ?? [];
    attempts.push({ at: now, ok: outcome === 'refreshed' });
    if (attempts.length > KEPT) {
      attempts.shift();
    }
    this.recent.set(provider, attempts);
  }

  health(provider: string, now = Date.now()): ProviderHealth {
    const attempts = (this.recent.get(provider) ?? []).filter((a) => now - a.at < WINDOW_MS);
    return attempts.length >= MIN_ATTEMPTS && attempts.every((a) => !a.ok) ? 'degraded' : 'healthy';
  }

  /** Providers with attempts in the window (a provider no connection uses has none). */
  providers(now = Date.now()): string[] {
    return [...this.recent]
      .filter(([, attempts]) => attempts.some((a) => now - a.at < WINDOW_MS))
      .map(([provider]) => provider);
  }
}
