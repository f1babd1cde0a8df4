import { Histogram, type Registry } from 'prom-client';
import type { ConnectionStatsReader } from './connection-stats.reader';
import { EXPIRY_BOUNDS } from './connection-stats.reader';

// `le` is ours to write here: prom-client only forbids it as a declared label name.
const NAME = 'auth_connection_time_to_expiry_seconds';
const HELP =
  'Time left on the access tokens of active connections (tokens that never expire left out), by provider.';

type Exported = Awaited<ReturnType<Histogram<'provider' | 'le'>['get']>>;

/**
 * `auth_connection_time_to_expiry_seconds{provider}`: a Prometheus histogram of the time left on
 * the access tokens of active connections, built on scrape from one aggregate query (Postgres
 * counts the buckets) rather than one `observe` per connection. prom-client has no weighted
 * observe, so `get` (and `getForPromString`) are overridden to export the counts as a histogram does (`_bucket{le}`,
 * `_sum`, `_count`); `histogram_quantile` works on it as on any other.
 */
export class ConnectionExpiryHistogram extends Histogram<'provider' | 'le'> {
  constructor(
    private readonly reader: ConnectionStatsReader,
    registers: Registry[] = [],
  ) {
    super({
      name: NAME,
      help: HELP,
      labelNames: ['provider'],
      buckets: EXPIRY_BOUNDS,
      registers,
    });
  }

  override get(): Promise<Exported> {
    return this.exported();
  }

  /** What the registry's text exposition reads (prom-client's histogram has it; its .d.ts does not). */
  getForPromString(): Promise<Exported> {
    return this.exported();
  }

  private async exported(): Promise<Exported> {
    const name = NAME;
    const values: Exported['values'] = [];
    // Postgres unreachable: no series this scrape, rather than a failed scrape of every metric.
    for (const stats of await this.reader.read().catch(() => [])) {
      const provider = stats.provider;
      let cumulative = 0;
      EXPIRY_BOUNDS.forEach((le, i) => {
        cumulative += stats.expiryBuckets[i];
        values.push({ metricName: `${name}_bucket`, labels: { provider, le }, value: cumulative });
      });
      values.push({
        metricName: `${name}_bucket`,
        labels: { provider, le: '+Inf' },
        value: stats.expiring,
      });
      values.push({
        metricName: `${name}_sum`,
        labels: { provider },
        value: stats.expirySecondsSum,
      });
      values.push({ metricName: `${name}_count`, labels: { provider }, value: stats.expiring });
    }
    return {
      name: NAME,
      help: HELP,
      // The runtime type is the string prom-client's own histogram reports (its .d.ts says enum).
      type: 'histogram' as unknown as Exported['type'],
      values,
      aggregator: 'sum',
    } as Exported;
  }
}
