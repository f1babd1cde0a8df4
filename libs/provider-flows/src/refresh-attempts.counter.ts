import { Counter, type Registry } from 'prom-client';
import type { RefreshAttemptOutcome } from './refresh-reason';

/**
 * Who asked for the refresh: the workers' schedule (`scheduled`), a credential resolve that found
 * the access token expired or nearly so (`on_demand`), or the gateway after an upstream refused it
 * (`forced`, POST /internal/v1/connections/{id}/refresh).
 */
export type RefreshSource = 'scheduled' | 'on_demand' | 'forced';

/**
 * `auth_token_refresh_total`, defined once for both refreshers (workers and broker), so their
 * series share one name and label set and sum per provider. Labels: the provider's name
 * (operator-chosen, few), closed sets otherwise — never a connection id, a subject or a token.
 */
export class RefreshAttemptsCounter {
  private readonly counter: Counter<'provider' | 'outcome' | 'reason' | 'source'>;

  constructor(registry: Registry) {
    this.counter = new Counter({
      name: 'auth_token_refresh_total',
      help: 'Provider-token refresh attempts, by provider, outcome (refreshed, needs_reauth, retry, unusable, error), reason (an RFC 6749 error code or a closed set) and source (scheduled, on_demand, forced).',
      labelNames: ['provider', 'outcome', 'reason', 'source'],
      registers: [registry],
    });
  }

  inc(
    provider: string,
    source: RefreshSource,
    attempt: { outcome: RefreshAttemptOutcome; reason: string },
  ): void {
    this.counter.inc({ provider, source, outcome: attempt.outcome, reason: attempt.reason });
  }
}
