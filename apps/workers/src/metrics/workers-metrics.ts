import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram } from 'prom-client';
import { QUEUES } from '@app/jobs';
import { LOGGER, MetricsService } from '@app/observability';
import type { RefreshOutcome } from '@app/provider-flows';
import { ConnectionExpiryHistogram } from './connection-expiry.histogram';
import { ConnectionStatsReader } from './connection-stats.reader';
import { ProviderNames } from './provider-names';
import { RefreshHealthTracker } from './refresh-health.tracker';
import { type RefreshAttemptOutcome, refreshReason } from './refresh-reason';

export type SessionRecoveryOutcome = 'refreshed' | 'valid' | 'busy' | 'retry' | 'unrecoverable';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The workers' Prometheus metrics (issue 10 §3). The two `auth_*` counters are the seed's
 * (reference/001_guide.md "Key Metrics"). Labels are provider names (operator-chosen), queue
 * names and closed sets: never a connection id, a subject or a provider's free text. Gauges and
 * the expiry histogram are computed on scrape: one grouped Postgres query (cached 10 s) and one
 * `getJobCounts` per queue.
 */
@Injectable()
export class WorkersMetrics {
  private readonly refreshes: Counter<'provider' | 'outcome' | 'reason'>;
  private readonly recoveries: Counter<'outcome'>;
  private readonly jobLatency: Histogram<'queue'>;

  constructor(
    metrics: MetricsService,
    private readonly names: ProviderNames,
    private readonly health: RefreshHealthTracker,
    stats: ConnectionStatsReader,
    @InjectQueue(QUEUES.tokenRefresh) tokenRefresh: Queue,
    @InjectQueue(QUEUES.credentials) credentials: Queue,
    @InjectQueue(QUEUES.maintenance) maintenance: Queue,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const registers = [metrics.registry];
    this.refreshes = new Counter({
      name: 'auth_token_refresh_total',
      help: 'Provider-token refresh attempts, by provider, outcome (refreshed, needs_reauth, retry, unusable, error) and reason (an RFC 6749 error code or a closed set).',
      labelNames: ['provider', 'outcome', 'reason'],
      registers,
    });
    this.recoveries = new Counter({
      name: 'auth_session_recovery_total',
      help: 'Connections looked at by session recovery, by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.jobLatency = new Histogram({
      name: 'workers_job_latency_seconds',
      help: 'Time from when a job was due (queued time plus delay) until a worker started it, first start only, by queue.',
      labelNames: ['queue'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    new ConnectionExpiryHistogram(stats, registers);
    const perProvider = (
      name: string,
      help: string,
      pick: (s: { stranded: number; active: number }) => number,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['provider'],
        registers,
        collect: async function (this: Gauge<'provider'>) {
          this.reset();
          for (const s of await stats.read().catch(() => [])) {
            this.set({ provider: s.provider }, pick(s));
          }
        },
      });
    perProvider(
      'auth_connections_stranded',
      'Connections that need the user to connect again (needs_reauth), by provider.',
      (s) => s.stranded,
    );
    perProvider('auth_connections_active', 'Active connections, by provider.', (s) => s.active);
    const queues = [tokenRefresh, credentials, maintenance];
    new Gauge({
      name: 'workers_queue_jobs',
      help: 'Jobs in each BullMQ queue, by state (failed: the dead letters).',
      labelNames: ['queue', 'state'],
      registers,
      collect: async function (this: Gauge<'queue' | 'state'>) {
        this.reset();
        for (const queue of queues) {
          const counts = await queue.getJobCounts(...JOB_STATES).catch(() => null);
          for (const state of JOB_STATES) {
            if (counts !== null) {
              this.set({ queue: queue.name, state }, counts[state] ?? 0);
            }
          }
        }
      },
    });
  }

  /** One run of a token-refresh job; outcomes that made no attempt (current, busy, gone) are not counted. */
  refresh(outcome: RefreshOutcome): void {
    switch (outcome.state) {
      case 'refreshed':
        this.attempt(outcome.connection.providerId, 'refreshed', 'none');
        return;
      case 'needs_reauth':
      case 'retry':
      case 'unusable':
        this.attempt(outcome.providerId, outcome.state, refreshReason(outcome));
        return;
      case 'current':
      case 'busy':
      case 'gone':
        return;
    }
  }

  /** A refresh job that threw (Postgres or Redis failed under it): the provider is not known. */
  refreshError(): void {
    this.refreshes.inc({ provider: 'unknown', outcome: 'error', reason: 'internal' });
  }

  /** Session recovery's counts (the shape of its SessionRecoveryObserver: bind it with useExisting). */
  recovered(outcome: SessionRecoveryOutcome, count: number): void {
    if (count > 0) {
      this.recoveries.inc({ outcome }, count);
    }
  }

  /** Call when a worker starts a job: a re-delayed or retried job counts only its first start. */
  jobStarted(job: Job): void {
    if (job.attemptsStarted > 1 || job.processedOn === undefined) {
      return;
    }
    const due = job.timestamp + (job.delay ?? 0);
    this.jobLatency.observe({ queue: job.queueName }, Math.max(0, job.processedOn - due) / 1000);
  }

  private attempt(providerId: string, outcome: RefreshAttemptOutcome, reason: string): void {
    this.names
      .nameOf(providerId)
      .then((provider) => {
        this.refreshes.inc({ provider, outcome, reason });
        this.health.record(provider, outcome);
      })
      .catch((error: unknown) => this.logger.debug({ err: error }, 'refresh metric not recorded'));
  }
}
