import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Vault } from '@app/crypto';
import { SEALED_COLUMNS, type SealedColumn } from './sealed-columns';

export interface RotationReport {
  /** Values found on an old key. */
  examined: number;
  resealed: number;
  /** Values that changed while being rotated (a refresh, an admin edit): already new, or next run. */
  skipped: number;
  /** Values that would not open (wrong binding or a key no longer in VAULT_KEYS): ids only. */
  failed: { table: string; id: string }[];
}

/** One column's share of the values still sealed with a key other than the active one. */
export interface OldKeyCount {
  table: string;
  column: string;
  count: number;
}

/** Called after each batch: what it re-sealed, so a gauge can follow the run. */
export type RotationProgress = (column: SealedColumn, resealed: number) => void;

/**
 * Re-seals every secret not sealed with the active key (after a new key was put first in
 * VAULT_KEYS), in batches. Resumable: only values naming another key are read (the key id is in
 * the sealed value's header), in primary-key order, so a run stopped anywhere continues where
 * the next one starts. One UPDATE per batch, each row only if it still holds the value read:
 * a refresh or an admin edit that wrote the row meanwhile is never overwritten (it sealed with
 * the active key already, or the next run re-seals it).
 */
@Injectable()
export class RotateVaultKeysUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: Vault,
  ) {}

  /** How many values each sealed column still holds under an old key (for the gauge). */
  async countOnOldKey(): Promise<OldKeyCount[]> {
    const counts: OldKeyCount[] = [];
    for (const column of SEALED_COLUMNS) {
      const [{ n }]: { n: number }[] = await this.dataSource.query(
        `SELECT count(*)::int AS n FROM ${column.table} WHERE ${onOldKey(column)}`,
        [this.vault.activeKeyId],
      );
      counts.push({ table: column.table, column: column.column, count: n });
    }
    return counts;
  }

  async execute(batchSize = 500, onProgress?: RotationProgress): Promise<RotationReport> {
    const report: RotationReport = { examined: 0, resealed: 0, skipped: 0, failed: [] };
    for (const column of SEALED_COLUMNS) {
      let after: string | null = null;
      for (;;) {
        const rows: Record<string, string>[] = await this.dataSource.query(
          `SELECT ${column.key}::text AS id, ${column.select}, ${column.column} AS sealed
             FROM ${column.table}
            WHERE ${onOldKey(column)} AND ($2::text IS NULL OR ${column.key} > $2::${column.keyType})
            ORDER BY ${column.key} LIMIT $3`,
          [this.vault.activeKeyId, after, batchSize],
        );
        if (rows.length === 0) {
          break;
        }
        after = rows[rows.length - 1].id;
        report.examined += rows.length;
        const resealed = await this.resealBatch(column, rows, report);
        onProgress?.(column, resealed);
      }
    }
    return report;
  }

  private async resealBatch(
    column: SealedColumn,
    rows: Record<string, string>[],
    report: RotationReport,
  ): Promise<number> {
    const ids: string[] = [];
    const before: string[] = [];
    const after: string[] = [];
    for (const row of rows) {
      try {
        after.push(this.vault.reseal(row.sealed, column.binding(row)));
        ids.push(row.id);
        before.push(row.sealed);
      } catch {
        report.failed.push({ table: column.table, id: row.id });
      }
    }
    if (ids.length === 0) {
      return 0;
    }
    const result: [unknown[], number] = await this.dataSource.query(
      `UPDATE ${column.table} AS t SET ${column.column} = v.after
         FROM unnest($1::text[], $2::text[], $3::text[]) AS v(id, before, after)
        WHERE t.${column.key} = v.id::${column.keyType} AND t.${column.column} = v.before`,
      [ids, before, after],
    );
    report.resealed += result[1];
    report.skipped += ids.length - result[1];
    return result[1];
  }
}

/** Non-null values whose header names another key (`v1.<keyId>.…`); LIKE would treat `_` as a wildcard. */
function onOldKey(column: SealedColumn): string {
  return `${column.column} IS NOT NULL AND split_part(${column.column}, '.', 2) <> $1`;
}
