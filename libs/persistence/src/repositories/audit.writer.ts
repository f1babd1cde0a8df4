import type { EntityManager } from 'typeorm';
import { AuditEventEntity } from '../entities/audit-event.entity';

/** Who is making a change, recorded on audit events (and policy revisions). */
export interface ChangeContext {
  actor: string;
  correlationId?: string | null;
}

export interface AuditDraft {
  action: string;
  resourceType: string;
  resourceId: string | null;
  before: object | null;
  after: object | null;
}

/** Appends audit events inside the caller's transaction, so the change and its record commit together. */
export async function writeAudit(
  m: EntityManager,
  ctx: ChangeContext,
  drafts: AuditDraft[],
  policySetVersion: number | null = null,
): Promise<void> {
  if (drafts.length === 0) {
    return;
  }
  const rows = drafts.map((d) => ({
    actor: ctx.actor,
    action: d.action,
    resourceType: d.resourceType,
    resourceId: d.resourceId,
    before: d.before,
    after: d.after,
    policySetVersion,
    correlationId: ctx.correlationId ?? null,
  }));
  // One statement per chunk: Postgres takes at most 65,535 bind parameters (8 per row here), and a
  // whole policy set replaced at once can be 10,000 rows.
  for (let start = 0; start < rows.length; start += AUDIT_ROWS_PER_INSERT) {
    await m
      .getRepository(AuditEventEntity)
      .insert(rows.slice(start, start + AUDIT_ROWS_PER_INSERT));
  }
}

const AUDIT_ROWS_PER_INSERT = 1000;
