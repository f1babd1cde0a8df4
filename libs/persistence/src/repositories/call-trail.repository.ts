import type { DataSource } from 'typeorm';

/** One tool call as written to `call_trail` (issue 9 §4). Never carries a credential, only its identity. */
export interface CallTrailRecord {
  occurredAt: Date;
  principal: string;
  clientId: string | null;
  upstream: string;
  tool: string;
  policyId: string | null;
  policySetVersion: number | null;
  decision: string;
  credentialKind: string | null;
  credentialId: string | null;
  credentialGeneration: number | null;
  upstreamStatus: number | null;
  latencyMs: number;
  correlationId: string | null;
}

export interface StoredCallTrailRecord extends CallTrailRecord {
  id: string;
}

export interface CallTrailFilters {
  principal?: string;
  tool?: string;
  policyId?: string;
  decision?: string;
  upstream?: string;
  from?: Date;
  to?: Date;
}

/** Position after the last row of a page: newest first, ties broken by id. */
export interface CallTrailCursor {
  occurredAt: Date;
  id: string;
}

export interface CallTrailPage {
  records: StoredCallTrailRecord[];
  next: CallTrailCursor | null;
}

const COLUMNS = [
  'occurred_at',
  'principal',
  'client_id',
  'upstream',
  'tool',
  'policy_id',
  'policy_set_version',
  'decision',
  'credential_kind',
  'credential_id',
  'credential_generation',
  'upstream_status',
  'latency_ms',
  'correlation_id',
] as const;

/**
 * Postgres takes at most 65,535 bind parameters per statement (the audit insert once broke on
 * exactly that): 14 per row, so 4,000 rows (56,000 parameters) per statement.
 */
export const CALL_TRAIL_ROWS_PER_INSERT = Math.floor(60_000 / COLUMNS.length);

const FILTER_COLUMNS: Record<'principal' | 'tool' | 'policyId' | 'decision' | 'upstream', string> =
  {
    principal: 'principal',
    tool: 'tool',
    policyId: 'policy_id',
    decision: 'decision',
    upstream: 'upstream',
  };

/** The call trail: multi-row appends from the gateway, filtered pages for the admin API, retention. */
export class CallTrailRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends the records, one multi-row INSERT per chunk under the bind-parameter limit. */
  async insertMany(records: readonly CallTrailRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += CALL_TRAIL_ROWS_PER_INSERT) {
      const chunk = records.slice(start, start + CALL_TRAIL_ROWS_PER_INSERT);
      const params: unknown[] = [];
      const tuples = chunk.map((r) => {
        const base = params.length;
        params.push(
          r.occurredAt,
          r.principal,
          r.clientId,
          r.upstream,
          r.tool,
          r.policyId,
          r.policySetVersion,
          r.decision,
          r.credentialKind,
          r.credentialId,
          r.credentialGeneration,
          r.upstreamStatus,
          Math.max(0, Math.round(r.latencyMs)),
          r.correlationId,
        );
        return `(${COLUMNS.map((_, i) => `$${base + i + 1}`).join(',')})`;
      });
      await this.dataSource.query(
        `INSERT INTO call_trail (${COLUMNS.join(',')}) VALUES ${tuples.join(',')}`,
        params,
      );
    }
  }

  /** A page, newest first; `next` is where the following page starts (null on the last). */
  async query(
    filters: CallTrailFilters,
    cursor: CallTrailCursor | null,
    limit: number,
  ): Promise<CallTrailPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [key, column] of Object.entries(FILTER_COLUMNS)) {
      const value = filters[key as keyof typeof FILTER_COLUMNS];
      if (value !== undefined) {
        params.push(value);
        where.push(`${column} = $${params.length}`);
      }
    }
    if (filters.from) {
      params.push(filters.from);
      where.push(`occurred_at >= $${params.length}`);
    }
    if (filters.to) {
      params.push(filters.to);
      where.push(`occurred_at < $${params.length}`);
    }
    if (cursor) {
      params.push(cursor.occurredAt, cursor.id);
      where.push(`(occurred_at, id) < ($${params.length - 1}, $${params.length}::bigint)`);
    }
    params.push(limit + 1);
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT id::text AS id, ${COLUMNS.join(',')} FROM call_trail
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY occurred_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const records = rows.slice(0, limit).map(toRecord);
    const last = records[records.length - 1];
    return {
      records,
      next: rows.length > limit && last ? { occurredAt: last.occurredAt, id: last.id } : null,
    };
  }

  /** Retention (the workers' cleanup job, issue 10): deletes rows older than `date`, returns how many. */
  /**
   * Deletes at most `limit` rows older than `date` (one short statement: the cleanup job loops, so
   * a large backlog never holds one long transaction); returns how many.
   */
  async deleteOlderThan(date: Date, limit = 5000): Promise<number> {
    const result: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM call_trail WHERE id IN (
         SELECT id FROM call_trail WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2)`,
      [date, limit],
    );
    return result[1];
  }
}

function toRecord(row: Record<string, unknown>): StoredCallTrailRecord {
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    id: row.id as string,
    occurredAt: row.occurred_at as Date,
    principal: row.principal as string,
    clientId: row.client_id as string | null,
    upstream: row.upstream as string,
    tool: row.tool as string,
    policyId: row.policy_id as string | null,
    policySetVersion: num(row.policy_set_version),
    decision: row.decision as string,
    credentialKind: row.credential_kind as string | null,
    credentialId: row.credential_id as string | null,
    credentialGeneration: num(row.credential_generation),
    upstreamStatus: num(row.upstream_status),
    latencyMs: Number(row.latency_ms),
    correlationId: row.correlation_id as string | null,
  };
}
