import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type WorkersConfig } from '@app/config';
import { AuditRepository, CallTrailRepository, OAuthRecordRepository } from '@app/persistence';
import { MaintenanceMetrics } from './maintenance.metrics';

const DAY_MS = 86_400_000;
/** Rows per DELETE: each statement is a short transaction, so a backlog never holds long locks. */
export const CLEANUP_BATCH = 5000;

export interface CleanupReport {
  call_trail_deleted: number;
  audit_events_deleted: number;
  /** Authorization-server records (codes, sessions, grants, rotated tokens) expired over an hour. */
  oauth_records_deleted: number;
  /** Registered clients that completed no sign-in within AS_UNUSED_CLIENT_TTL_HOURS. */
  unused_clients_deleted: number;
}

/**
 * Deletes what has expired in Postgres. Redis-held state (sessions, OAuth states, device codes,
 * connect requests) expires by its own TTL and needs nothing here. Idempotent: two runs at once
 * delete disjoint or already-deleted rows.
 */
@Injectable()
export class CleanupUseCase {
  constructor(
    private readonly trail: CallTrailRepository,
    private readonly audit: AuditRepository,
    private readonly records: OAuthRecordRepository,
    private readonly metrics: MaintenanceMetrics,
    @Inject(APP_CONFIG) private readonly config: WorkersConfig,
  ) {}

  async execute(batch = CLEANUP_BATCH): Promise<CleanupReport> {
    const trailCutoff = daysAgo(this.config.CALL_TRAIL_RETENTION_DAYS);
    const auditCutoff = daysAgo(this.config.AUDIT_RETENTION_DAYS);
    return {
      call_trail_deleted: await this.drain('call_trail', batch, (limit) =>
        this.trail.deleteOlderThan(trailCutoff, limit),
      ),
      audit_events_deleted: await this.drain('audit_events', batch, (limit) =>
        this.audit.deleteOlderThan(auditCutoff, limit),
      ),
      oauth_records_deleted: await this.drain('oauth_records', batch, (limit) =>
        this.records.deleteExpired(limit),
      ),
      unused_clients_deleted: await this.drain('unused_clients', batch, (limit) =>
        this.records.deleteUnusedClients(this.config.AS_UNUSED_CLIENT_TTL_HOURS, limit),
      ),
    };
  }

  /** Repeats a bounded delete until a batch comes back short. */
  private async drain(
    kind: string,
    batch: number,
    deleteBatch: (limit: number) => Promise<number>,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch(batch);
      total += deleted;
      this.metrics.deleted.inc({ kind }, deleted);
      if (deleted < batch) {
        return total;
      }
    }
  }
}

function daysAgo(days: number): Date {
  return new Date(Date.now() - days * DAY_MS);
}
