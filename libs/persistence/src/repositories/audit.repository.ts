import type { DataSource } from 'typeorm';
import { AuditEventEntity } from '../entities/audit-event.entity';

/** Reads the audit trail (every resource type), newest first. */
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(filter: {
    limit: number;
    beforeId?: string;
    resourceType?: string;
    resourceId?: string;
  }): Promise<AuditEventEntity[]> {
    const qb = this.dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('a')
      .orderBy('a.id', 'DESC')
      .take(filter.limit);
    if (filter.beforeId !== undefined) {
      qb.andWhere('a.id < :beforeId', { beforeId: filter.beforeId });
    }
    if (filter.resourceType !== undefined) {
      qb.andWhere('a.resource_type = :resourceType', { resourceType: filter.resourceType });
    }
    if (filter.resourceId !== undefined) {
      qb.andWhere('a.resource_id = :resourceId', { resourceId: filter.resourceId });
    }
    return qb.getMany();
  }

  /**
   * Deletes at most `limit` events older than `date` (the cleanup job's AUDIT_RETENTION_DAYS;
   * bounded so a large backlog never holds one long transaction); returns how many.
   */
  async deleteOlderThan(date: Date, limit = 5000): Promise<number> {
    const result: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM audit_events WHERE id IN (
         SELECT id FROM audit_events WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2)`,
      [date, limit],
    );
    return result[1];
  }
}
