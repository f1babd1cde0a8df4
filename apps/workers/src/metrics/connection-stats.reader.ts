import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import { ConnectionStatsRepository, type ProviderConnectionStats } from '@app/persistence';

/** Upper bounds (seconds) of the time-to-expiry histogram: a minute to a week. */
export const EXPIRY_BOUNDS = [60, 300, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400, 604_800];

/**
 * The per-provider connection aggregates, read at most once per METRICS_AGGREGATE_CACHE_MS
 * (several scrapers and health probes, and concurrent callers, share one query): the scrape cost stays one grouped statement whatever the number of connections.
 */
@Injectable()
export class ConnectionStatsReader {
  private cached: { at: number; stats: ProviderConnectionStats[] } | null = null;
  private reading: Promise<ProviderConnectionStats[]> | null = null;

  private readonly freshMs: number;

  constructor(
    private readonly repository: ConnectionStatsRepository,
    @Inject(APP_CONFIG) config: WorkersConfig,
  ) {
    this.freshMs = config.METRICS_AGGREGATE_CACHE_MS;
  }

  async read(): Promise<ProviderConnectionStats[]> {
    if (this.cached !== null && Date.now() - this.cached.at < this.freshMs) {
      return this.cached.stats;
    }
    this.reading ??= this.repository
      .byProvider(EXPIRY_BOUNDS)
      .then((stats) => {
        this.cached = { at: Date.now(), stats };
        return stats;
      })
      .finally(() => {
        this.reading = null;
      });
    return this.reading;
  }
}
