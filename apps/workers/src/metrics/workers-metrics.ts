import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram } from 'prom-client';
import { JOBS, QUEUES } from '@app/jobs';
import { LOGGER, MetricsService } from '@app/observability';
import {
  type RefreshAttempt,
  RefreshAttemptsCounter,
  refreshAttempt,
  type RefreshOutcome,
} from '@app/provider-flows';
import type { SweepResult } from '../refresh/refresh-sweep.usecase';
import { ConnectionExpiryHistogram } from './connection-expiry.histogram';
import { ConnectionStatsReader } from './connection-stats.reader';
import { ProviderNames } from './provider-names';
import { RefreshHealthTracker } from './refresh-health.tracker';

export type SessionRecoveryOutcome = 'refreshed' | 'valid' | 'busy' | 'retry' | 'unrecoverable';
export type SessionRecoveryTrigger = 'gateway_start' | 'schedule' | 'upstream_restart';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
// The `job_name` label: the catalog's names only (anyone who can write to Redis can add a job
// under any name; the processor refuses it, the label must not grow with it).
const JOB_NAMES = new Set<string>(Object.values(JOBS));
// Every field of SweepResult is a `result` of auth_refresh_sweep_total (the type forces a new one in).
const SWEEP_RESULTS: Record<keyof SweepResult, true> = {
  scanned: true,
  queued: true,
  revived: true,
};

/**
 * The workers' Prometheus metrics (issue 10 §3). The two `auth_*` counters are the seed's
 * (reference/001_guide.md "Key Metrics"). Labels are provider names (operator-chosen), queue
 * names and closed sets: never a connection id, a subject or a provider's free text. Gauges and
 * the expiry histogram are computed on scrape: one grouped Postgres query (cached 10 s) and one
 * `getJobCounts` per queue.
 */
@Injectable()
export class WorkersMetrics {
  private readonly refreshes: RefreshAttemptsCounter;
  private readonly recoveries: Counter<'outcome' | 'trigger'>;
  private readonly sweeps: Counter<'result'>;
  private readonly jobLatency: Histogram<'queue' | 'job_name'>;

  constructor(
    private readonly metrics: MetricsService,
    private readonly names: ProviderNames,
    private readonly health: RefreshHealthTracker,
    stats: ConnectionStatsReader,
    @InjectQueue(QUEUES.tokenRefresh) tokenRefresh: Queue,
    @InjectQueue(QUEUES.credentials) credentials: Queue,
    @InjectQueue(QUEUES.maintenance) maintenance: Queue,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const registers = [metrics.registry];
    this.refreshes = new RefreshAttemptsCounter(metrics.registry);
    this.recoveries = new Counter({
      name: 'auth_session_recovery_total',
      help: 'Connections looked at by session recovery, by outcome and trigger (gateway_start, schedule, upstream_restart).',
      labelNames: ['outcome', 'trigger'],
      registers,
    });
    this.sweeps = new Counter({
      name: 'auth_refresh_sweep_total',
      help: 'Connections handled by the refresh sweep, by result: scanned (refreshable active connections read), queued (refreshes due before the next sweep handed to BullMQ, existing jobs kept), revived (failed jobs of transient failures tried again).',
      labelNames: ['result'],
      registers,
    });
    for (const result of Object.keys(SWEEP_RESULTS)) {
      this.sweeps.inc({ result }, 0);
    }
    this.jobLatency = new Histogram({
      name: 'workers_job_latency_seconds',
      help: 'Time from when a job was due (queued time plus delay) until a worker started it, first start only, by queue and job name.',
      labelNames: ['queue', 'job_name'],
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
    const attempt = refreshAttempt(outcome);
    if (attempt !== null) {
      this.attempt(attempt);
    }
  }

  /** A refresh job that threw (Postgres or Redis failed under it): the provider is not known. */
  refreshError(): void {
    this.refreshes.inc('unknown', 'scheduled', { outcome: 'error', reason: 'internal' });
  }

  /** One run of the refresh sweep. */
  sweep(result: SweepResult): void {
    for (const key of Object.keys(SWEEP_RESULTS) as (keyof SweepResult)[]) {
      this.sweeps.inc({ result: key }, result[key]);
    }
  }

  /** Session recovery's counts (the shape of its SessionRecoveryObserver: bind it with useExisting). */
  recovered(outcome: SessionRecoveryOutcome, count: number, trigger: SessionRecoveryTrigger): void {
    if (count > 0) {
      this.recoveries.inc({ outcome, trigger }, count);
    }
  }

  /**
   * Call when a worker starts a job, on every queue: a re-delayed (step) or retried job counts
   * only its first start. Labels: queue and job name, never the job id.
   */
  jobStarted(job: Job): void {
    if (job.attemptsStarted > 1 || job.processedOn === undefined) {
      return;
    }
    const due = job.timestamp + (job.delay ?? 0);
    const labels = { queue: job.queueName, job_name: JOB_NAMES.has(job.name) ? job.name : 'other' };
    this.jobLatency.observe(labels, Math.max(0, job.processedOn - due) / 1000);
  }

  /**
   * `upstream_up{upstream}` (the shape of UpstreamHealthGauge: bind it with useExisting): 1 or 0
   * per enabled upstream as the last health check left it in Redis, read on scrape; labelled by
   * upstream name only.
   */
  watchUpstreams(read: () => Promise<ReadonlyMap<string, 'up' | 'down'>>): void {
    new Gauge({
      name: 'upstream_up',
      help: 'Whether the last health check reached the upstream (1) or not (0), by upstream name.',
      labelNames: ['upstream'],
      registers: [this.metrics.registry],
      collect: async function (this: Gauge<'upstream'>) {
        this.reset();
        const states = await read().catch(() => new Map<string, 'up' | 'down'>());
        for (const [upstream, state] of states) {
          this.set({ upstream }, state === 'up' ? 1 : 0);
        }
      },
    });
  }

  private attempt(attempt: RefreshAttempt): void {
    this.names
      .nameOf(attempt.providerId)
      .then((provider) => {
        this.refreshes.inc(provider, 'scheduled', attempt);
        this.health.record(provider, attempt.outcome);
      })
      .catch((error: unknown) => this.logger.debug({ err: error }, 'refresh metric not recorded'));
  }
}
