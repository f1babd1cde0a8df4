import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import { type ConnectionEntity, ConnectionRepository } from '@app/persistence';
import { RefreshConnectionUseCase, RefreshScheduler } from '@app/provider-flows';
import { CredentialChangePublisher } from '@app/redis';
import { LiveSessionScanner } from './live-session.scanner';
import { StaleUpstreamSessions } from './stale-upstream-sessions';

/** What one run did, per connection of a user with a live session (auth_session_recovery_total). */
export interface RecoveryCounts {
  subjects: number;
  sessions: number;
  /** Near expiry or expired, refreshed now. */
  refreshed: number;
  /** Not near expiry: nothing to do. */
  valid: number;
  /** Another refresher (a worker, the broker's on-demand path) holds it right now. */
  busy: number;
  /** The refresh failed transiently (the refresh job's own retries go on). */
  retry: number;
  /** Cannot be recovered: needs re-auth, or expired without a refresh token. */
  unrecoverable: number;
  /** More sessions than one run reads: the rest waits for the next run. */
  truncated: boolean;
  /** A run for one upstream (it answered again after failing its health checks). */
  upstream?: string;
  /** That run: the aggregate sessions' upstream sessions to it dropped (re-opened on next use). */
  staleUpstreamSessions?: number;
}

/** What queued the run (auth_session_recovery_total{trigger}). */
export type RecoveryTrigger = 'gateway_start' | 'schedule' | 'upstream_restart';

export interface RecoveryRequest {
  trigger: RecoveryTrigger;
  /** Only the sessions bound to this upstream, whose own sessions to it are dropped first. */
  upstream?: string;
  now?: number;
}

export type RecoveryOutcome = 'refreshed' | 'valid' | 'busy' | 'retry' | 'unrecoverable';

/** Where the counts go (the workers' metrics: auth_session_recovery_total{outcome, trigger}). */
export const SESSION_RECOVERY_OBSERVER = Symbol('SESSION_RECOVERY_OBSERVER');
export interface SessionRecoveryObserver {
  recovered(outcome: RecoveryOutcome, count: number, trigger: RecoveryTrigger): void;
}

/**
 * Session recovery (issue 10 §1; reference "Remote MCP Mode": detect → queue → restore →
 * graceful fallback), run when a gateway starts and on a schedule. Detect: the users with live
 * gateway sessions (LiveSessionScanner). Restore: each active connection of theirs that is in its
 * refresh window or expired is refreshed now (RefreshConnectionUseCase: single flight with the
 * refresh jobs and the broker, the same compare-and-swap), so the first call after a gateway
 * restart or an outage does not meet a dead token. Fallback: a connection that needs re-auth, or
 * expired without a refresh token, cannot be recovered; the gateways are told to drop what they
 * cached for that user, so the next call resolves again and gets the auth-required answer (the
 * broker answers `auth_required` for anything not active and unexpired).
 * For one upstream (the health checks saw it come back: it restarted, its sessions are gone), only
 * the users with sessions bound to it, and before their credentials the aggregate sessions'
 * upstream sessions to it are dropped (StaleUpstreamSessions) so the gateway initializes new ones
 * at once. Relay sessions are the client's own: the upstream's 404 tells it to re-initialize.
 */
@Injectable()
export class SessionRecoveryUseCase {
  constructor(
    private readonly scanner: LiveSessionScanner,
    private readonly connections: ConnectionRepository,
    private readonly refresh: RefreshConnectionUseCase,
    private readonly scheduler: RefreshScheduler,
    private readonly changes: CredentialChangePublisher,
    private readonly stale: StaleUpstreamSessions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional()
    @Inject(SESSION_RECOVERY_OBSERVER)
    private readonly observer?: SessionRecoveryObserver,
  ) {}

  async execute(request: RecoveryRequest): Promise<RecoveryCounts> {
    const { upstream, now = Date.now() } = request;
    // Who is bound to the upstream is read before its stale sessions go (they are what binds them).
    const live = await this.scanner.scan(undefined, upstream);
    const staleUpstreamSessions =
      upstream === undefined ? undefined : await this.stale.drop(upstream);
    const counts: RecoveryCounts = {
      subjects: live.subjects.size,
      sessions: live.sessions,
      refreshed: 0,
      valid: 0,
      busy: 0,
      retry: 0,
      unrecoverable: 0,
      truncated: live.truncated,
      ...(upstream === undefined ? {} : { upstream, staleUpstreamSessions }),
    };
    for (const subject of live.subjects) {
      let stranded = false;
      for (const connection of await this.connections.listForSubject(subject)) {
        const outcome = await this.recover(connection, now);
        if (outcome !== undefined) {
          counts[outcome] += 1;
          stranded ||= outcome === 'unrecoverable';
        }
      }
      if (stranded) {
        await this.changes.subjectChanged(subject);
      }
    }
    for (const outcome of ['refreshed', 'valid', 'busy', 'retry', 'unrecoverable'] as const) {
      this.observer?.recovered(outcome, counts[outcome], request.trigger);
    }
    this.logger.info({ ...counts, trigger: request.trigger }, 'session recovery done');
    return counts;
  }

  private async recover(
    connection: ConnectionEntity,
    now: number,
  ): Promise<RecoveryOutcome | undefined> {
    switch (connection.status) {
      case 'revoked':
        return undefined;
      case 'needs_reauth':
        return 'unrecoverable';
      case 'active':
        break;
    }
    if (connection.expiresAt === null) {
      return 'valid';
    }
    if (connection.refreshTokenSealed === null) {
      return connection.expiresAt.getTime() <= now ? 'unrecoverable' : 'valid';
    }
    const window = this.scheduler.window(connection);
    if (window === null || now < window.earliestAt) {
      return 'valid';
    }
    const outcome = await this.refresh.execute(connection.id);
    switch (outcome.state) {
      case 'refreshed':
      case 'busy':
      case 'retry':
        return outcome.state;
      case 'current':
        return 'valid';
      case 'needs_reauth':
      case 'unusable':
        return 'unrecoverable';
      case 'gone':
        return undefined;
    }
  }
}
