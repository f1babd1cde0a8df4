import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '@app/observability';

/** What the maintenance jobs did, for `/metrics` (labels: fixed table and kind names only). */
@Injectable()
export class MaintenanceMetrics {
  /** Vault key rotation progress: 0 everywhere once every value is on the first key of VAULT_KEYS. */
  readonly rowsOnOldKey: Gauge<'table' | 'column'>;
  readonly deleted: Counter<'kind'>;
  readonly signingKeyRotations: Counter;
  private countOldKeys?: () => Promise<void>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.rowsOnOldKey = new Gauge({
      name: 'vault_rows_on_old_key',
      help: 'Rows whose sealed column is still sealed with a key other than the active one (first of VAULT_KEYS).',
      labelNames: ['table', 'column'],
      registers,
      // Counted on scrape (at most once a minute), so every replica reports the current figure,
      // not what it saw when it last ran the job.
      collect: async () => {
        await this.countOldKeys?.();
      },
    });
    this.deleted = new Counter({
      name: 'maintenance_cleanup_deleted_total',
      help: 'Rows deleted by the cleanup job, by kind (call_trail, audit_events, oauth_records, unused_clients).',
      labelNames: ['kind'],
      registers,
    });
    this.signingKeyRotations = new Counter({
      name: 'signing_key_rotations_total',
      help: 'Token-signing keys rotated by the scheduled signing-key rotation.',
      registers,
    });
  }

  /** What refreshes `vault_rows_on_old_key` when `/metrics` is read. */
  countOldKeysOnScrape(count: () => Promise<void>): void {
    this.countOldKeys = count;
  }
}
