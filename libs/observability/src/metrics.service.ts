import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per app, with process metrics and an HTTP duration histogram. */
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'listener' | 'method' | 'route' | 'status'>;

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by listener, method, route template and status.',
      // Route templates only (never raw URLs): bounded label cardinality and no ids or secrets.
      labelNames: ['listener', 'method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }
}
