import { Injectable } from '@nestjs/common';
import { ConnectionStatsRepository } from '@app/persistence';

// An id not found is looked up again at most this often (a provider created after start).
const RELOAD_AFTER_MS = 30_000;

/**
 * Provider id → name for metric labels, loaded in one query and again when an unknown id shows
 * up (at most every 30 s). Names are operator-chosen and few: a bounded label set.
 */
@Injectable()
export class ProviderNames {
  private names = new Map<string, string>();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly stats: ConnectionStatsRepository) {}

  async nameOf(providerId: string): Promise<string> {
    const known = this.names.get(providerId);
    if (known !== undefined) {
      return known;
    }
    if (Date.now() - this.loadedAt >= RELOAD_AFTER_MS) {
      this.loading ??= this.reload().finally(() => {
        this.loading = null;
      });
      await this.loading;
    }
    return this.names.get(providerId) ?? 'unknown';
  }

  private async reload(): Promise<void> {
    this.loadedAt = Date.now();
    this.names = await this.stats.providerNames();
  }
}
