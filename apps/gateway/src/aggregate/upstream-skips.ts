import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { LOGGER, MetricsService } from '@app/observability';
import type { AggregateExchange } from './aggregate-exchange';

/** Why an upstream was left out of an aggregated answer (a closed set: a bounded metric label). */
export type SkipReason =
  | 'timeout'
  | 'unreachable'
  | 'error'
  | 'initialize_failed'
  | 'bad_answer'
  // Issue 10 §2: the upstream refused the connection token and a refresh could not help.
  | 'token_refused';

/**
 * Issue 9 §1: an upstream that is down, slow or erroring is left out of a merged list, never
 * failing it — with one warn line (upstream, reason, correlation id; the cause, never a
 * credential) and `gateway_aggregate_upstream_skipped_total{upstream,reason}`. Upstream names are
 * registered names, so the label stays bounded.
 */
@Injectable()
export class UpstreamSkips {
  private readonly skipped: Counter<'upstream' | 'reason'>;

  constructor(
    metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const existing = metrics.registry.getSingleMetric('gateway_aggregate_upstream_skipped_total');
    this.skipped =
      (existing as Counter<'upstream' | 'reason'> | undefined) ??
      new Counter({
        name: 'gateway_aggregate_upstream_skipped_total',
        help: 'Upstreams left out of an aggregated /mcp answer, by upstream and reason.',
        labelNames: ['upstream', 'reason'],
        registers: [metrics.registry],
      });
  }

  skip(exchange: AggregateExchange, upstream: string, reason: SkipReason, cause?: unknown): void {
    this.skipped.inc({ upstream, reason });
    this.logger.warn(
      {
        upstream,
        reason,
        correlation_id: exchange.request.id,
        method: exchange.message?.kind === 'request' ? exchange.message.method : undefined,
        ...(cause !== undefined ? { err: cause } : {}),
      },
      'upstream left out of the aggregated answer',
    );
  }
}
