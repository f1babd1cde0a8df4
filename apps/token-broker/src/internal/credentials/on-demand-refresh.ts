import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER, MetricsService } from '@app/observability';
import { type ConnectionEntity, ConnectionRefreshRepository } from '@app/persistence';
import {
  RefreshAttemptsCounter,
  refreshAttempt,
  RefreshConnectionUseCase,
  type RefreshOutcome,
  type RefreshSource,
} from '@app/provider-flows';

/** What a credential resolve may do with a connection after asking for a refresh. */
export type FreshConnection =
  /** Hand out this row's access token. */
  | { state: 'usable'; connection: ConnectionEntity }
  /** The refresh was refused for good (or cannot happen): the user must connect again. */
  | { state: 'failed'; reason: string }
  /** Transient failure and no token that may still be handed out: `unavailable`, never a guess. */
  | { state: 'unavailable'; reason: string };

/** Who asked, for `auth_token_refresh_total`: the provider's name and the path that refreshes. */
export interface RefreshTrigger {
  provider: string;
  /** `forced`: the gateway's POST /internal/v1/connections/{id}/refresh; else `on_demand`. */
  source: Extract<RefreshSource, 'on_demand' | 'forced'>;
}

const BUSY_POLL_MS = 100;
// Waiting for another holder is bounded by its lease, plus this much for its write to land…
const BUSY_SLACK_MS = 2_000;
// …and by this, so the answer reaches the gateway within its 10 s timeout (broker.client.ts).
const BUSY_WAIT_MAX_MS = 6_000;

/**
 * Issue 10 §2 "on-demand refresh in the credential path": a resolve that finds an expired or
 * nearly expired access token refreshes it first — through the workers' use case, so the same
 * lease and generation compare-and-swap make it single flight with every worker and replica.
 * The refresh is asked with the generation the caller read: if someone else rotated meanwhile it
 * is a no-op and their tokens are used. While another holder has the lease, the row is polled
 * (bounded by that lease) for its result. Each attempt is counted in `auth_token_refresh_total`
 * (same vocabulary as the workers', `source` on_demand or forced); waiting for a holder is not one.
 */
@Injectable()
export class OnDemandRefresh {
  private readonly attempts: RefreshAttemptsCounter;

  constructor(
    private readonly refresh: RefreshConnectionUseCase,
    private readonly refreshes: ConnectionRefreshRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    metrics: MetricsService,
  ) {
    this.attempts = new RefreshAttemptsCounter(metrics.registry);
  }

  /**
   * `stillValid`: whether the current access token may be handed out if the refresh fails
   * transiently (not when the upstream has just refused it).
   */
  async execute(
    connection: ConnectionEntity,
    stillValid: boolean,
    trigger: RefreshTrigger,
  ): Promise<FreshConnection> {
    const request = { force: true, seenGeneration: connection.refreshGeneration };
    // One wait for another holder, then one attempt of our own if its lease ran out unused.
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await this.attempt(connection, request, trigger);
      switch (outcome.state) {
        case 'refreshed':
          return { state: 'usable', connection: outcome.connection };
        case 'current':
          // Someone else rotated since we read the row: theirs is the token to use.
          return this.settled(connection, await this.refreshes.findById(connection.id));
        case 'busy': {
          const settled = await this.awaitHolder(connection, outcome.until);
          if (settled?.state === 'busy') {
            return this.fallback(connection, stillValid, 'the token is being refreshed; try again');
          }
          if (settled !== undefined) {
            return settled;
          }
          continue;
        }
        case 'needs_reauth':
        case 'unusable':
        case 'gone':
          return { state: 'failed', reason: outcome.reason };
        case 'retry':
          return this.fallback(
            connection,
            stillValid,
            'the provider cannot refresh the token right now',
          );
      }
    }
    return this.fallback(connection, stillValid, 'the token is being refreshed; try again');
  }

  /** A transient failure: the current token while it is valid, else `unavailable`. */
  private fallback(
    connection: ConnectionEntity,
    stillValid: boolean,
    reason: string,
  ): FreshConnection {
    return stillValid ? { state: 'usable', connection } : { state: 'unavailable', reason };
  }

  private async attempt(
    connection: ConnectionEntity,
    request: { force: boolean; seenGeneration: number },
    trigger: RefreshTrigger,
  ): Promise<RefreshOutcome> {
    const id = connection.id;
    let outcome: RefreshOutcome;
    try {
      outcome = await this.refresh.execute(id, request);
    } catch (error) {
      // Postgres or Redis failed under the refresh: an outage, never a reason to ask for re-auth.
      this.logger.error({ err: error, connection_id: id }, 'on-demand refresh failed');
      this.attempts.inc(trigger.provider, trigger.source, { outcome: 'error', reason: 'internal' });
      return {
        state: 'retry',
        reason: 'the refresh could not run',
        providerId: connection.providerId,
      };
    }
    const counted = refreshAttempt(outcome);
    if (counted !== null) {
      this.attempts.inc(trigger.provider, trigger.source, counted);
    }
    return outcome;
  }

  /** Polls the row until the other holder wrote (or gave up), bounded by its lease. */
  private async awaitHolder(
    seen: ConnectionEntity,
    until: Date,
  ): Promise<FreshConnection | { state: 'busy' } | undefined> {
    const deadline = Math.min(until.getTime() + BUSY_SLACK_MS, Date.now() + BUSY_WAIT_MAX_MS);
    while (Date.now() < deadline) {
      await delay(BUSY_POLL_MS);
      const row = await this.refreshes.findById(seen.id);
      if (
        row === null ||
        row.status !== 'active' ||
        row.refreshGeneration !== seen.refreshGeneration
      ) {
        return this.settled(seen, row);
      }
      if (row.refreshLeaseUntil === null || row.refreshLeaseUntil.getTime() < Date.now()) {
        // Released without a new generation (a transient failure, or a holder that died).
        return undefined;
      }
    }
    // Still held after our budget: no second attempt of ours would get the lease either.
    return { state: 'busy' };
  }

  private settled(seen: ConnectionEntity, row: ConnectionEntity | null): FreshConnection {
    if (row === null) {
      return { state: 'failed', reason: 'the connection was removed' };
    }
    if (row.status !== 'active') {
      return { state: 'failed', reason: `the connection is ${row.status}` };
    }
    if (row.refreshGeneration === seen.refreshGeneration) {
      return { state: 'unavailable', reason: 'the token is being refreshed; try again' };
    }
    return { state: 'usable', connection: row };
  }
}
