import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import { RotateVaultKeysUseCase, type RotationReport } from '@app/vault';
import { MaintenanceMetrics } from './maintenance.metrics';

/** How long a count of old-key values serves scrapes before it is taken again. */
const COUNT_FRESH_MS = 60_000;

export type ResealReport = Omit<RotationReport, 'failed'> & { failed: number; left: number };

/**
 * The vault-rotation job: re-seals Postgres values to the active key (libs/vault, batched and
 * resumable) and keeps `vault_rows_on_old_key` current while it runs, so an operator sees when
 * the old key may leave VAULT_KEYS (every series at 0).
 */
@Injectable()
export class ResealVaultUseCase {
  private countedAt = 0;

  constructor(
    private readonly rotation: RotateVaultKeysUseCase,
    private readonly metrics: MaintenanceMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    metrics.countOldKeysOnScrape(() => this.countIfStale());
  }

  /** Values still on an old key; refreshes the gauge (the workers call it at start). */
  async pending(): Promise<number> {
    let total = 0;
    for (const { table, column, count } of await this.rotation.countOnOldKey()) {
      this.metrics.rowsOnOldKey.set({ table, column }, count);
      total += count;
    }
    this.countedAt = Date.now();
    return total;
  }

  private async countIfStale(): Promise<void> {
    if (Date.now() - this.countedAt < COUNT_FRESH_MS) {
      return;
    }
    // A scrape during a database outage shows the last count rather than failing /metrics.
    await this.pending().catch((error: unknown) =>
      this.logger.debug({ err: { message: (error as Error).message } }, 'old-key count failed'),
    );
  }

  async execute(): Promise<ResealReport> {
    if ((await this.pending()) === 0) {
      return { examined: 0, resealed: 0, skipped: 0, failed: 0, left: 0 };
    }
    const report = await this.rotation.execute(500, (column, resealed) =>
      this.metrics.rowsOnOldKey.dec({ table: column.table, column: column.column }, resealed),
    );
    const left = await this.pending();
    if (report.failed.length > 0) {
      // Ids only: which rows an operator must look at (a key missing from VAULT_KEYS, a bad copy).
      this.logger.error(
        { failed: report.failed.slice(0, 50), failed_count: report.failed.length },
        'vault rotation: values that do not open with any key of VAULT_KEYS',
      );
    }
    this.logger.info(
      { examined: report.examined, resealed: report.resealed, skipped: report.skipped, left },
      'vault rotation done',
    );
    return { ...report, failed: report.failed.length, left };
  }
}
