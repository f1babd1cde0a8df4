import type { DataSource } from 'typeorm';

/** One provider's connections, as the workers' metrics and `/health/auth` see them. */
export interface ProviderConnectionStats {
  provider: string;
  /** Active connections whose access token expires (a null `expires_at` never does). */
  expiring: number;
  /** `expiring` split by {@link ConnectionStatsRepository.byProvider}'s bounds: index i counts tokens expiring in [bounds[i-1], bounds[i]) seconds; the last index beyond every bound. */
  expiryBuckets: number[];
  /** Sum of the seconds left on those tokens (an expired one counts 0). */
  expirySecondsSum: number;
  /** Connections marked `needs_reauth`: nobody can use them until the user connects again. */
  stranded: number;
  active: number;
}

/**
 * Aggregates over `connections` for observability: one grouped statement per call, whatever the
 * number of connections (no row is read into the process, no token column is touched). About
 * 0.25 s for 100,000 connections on a busy 2-core machine (one sequential scan; `date_part` is
 * float8, markedly cheaper than numeric `EXTRACT`): callers cache it.
 */
export class ConnectionStatsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Per provider (by name, every provider, with or without connections); `bounds` ascending, in seconds. */
  async byProvider(bounds: readonly number[]): Promise<ProviderConnectionStats[]> {
    const rows = (await this.dataSource.query(
      `WITH c AS (
         SELECT provider_id, status,
                CASE WHEN status = 'active' AND expires_at IS NOT NULL
                     THEN GREATEST(date_part('epoch', expires_at - now()), 0) END AS ttl
           FROM connections
          WHERE status IN ('active', 'needs_reauth'))
       SELECT p.name AS provider, c.status, width_bucket(c.ttl, $1::float8[]) AS bucket,
              count(c.status)::int AS n, COALESCE(sum(c.ttl), 0)::float8 AS ttl_sum
         FROM providers p LEFT JOIN c ON c.provider_id = p.id
        GROUP BY 1, 2, 3`,
      [bounds],
    )) as {
      provider: string;
      status: string | null;
      bucket: number | null;
      n: number;
      ttl_sum: number;
    }[];
    const byName = new Map<string, ProviderConnectionStats>();
    for (const row of rows) {
      let stats = byName.get(row.provider);
      if (stats === undefined) {
        stats = {
          provider: row.provider,
          expiring: 0,
          expiryBuckets: new Array<number>(bounds.length + 1).fill(0),
          expirySecondsSum: 0,
          stranded: 0,
          active: 0,
        };
        byName.set(row.provider, stats);
      }
      if (row.status === null) {
        continue;
      }
      if (row.status === 'needs_reauth') {
        stats.stranded += row.n;
        continue;
      }
      stats.active += row.n;
      if (row.bucket !== null) {
        stats.expiring += row.n;
        stats.expiryBuckets[row.bucket] += row.n;
        stats.expirySecondsSum += row.ttl_sum;
      }
    }
    return [...byName.values()];
  }

  /** Every provider's id and name (a handful of rows): metric labels name providers. */
  async providerNames(): Promise<Map<string, string>> {
    const rows = (await this.dataSource.query('SELECT id, name FROM providers')) as {
      id: string;
      name: string;
    }[];
    return new Map(rows.map((row) => [row.id, row.name]));
  }
}
