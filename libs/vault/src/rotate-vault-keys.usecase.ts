import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SealBinding, Vault } from '@app/crypto';
import {
  connectionTokenBinding,
  oauthRecordBinding,
  providerSecretBinding,
  serviceAccountSecretBinding,
  signingKeySecretBinding,
} from './seal-bindings';

export interface RotationReport {
  examined: number;
  resealed: number;
  /** Rows that changed while being rotated (an admin edit); run again until this is 0. */
  skipped: number;
  /** Rows whose value would not open (wrong binding or a key no longer in VAULT_KEYS): ids only. */
  failed: { table: string; id: string }[];
}

interface SealedColumn {
  table: string;
  /** The primary key column (returned as `id`). */
  key: 'id' | 'kid';
  column: string;
  /** Extra columns the binding needs. */
  select: string;
  binding: (row: Record<string, string>) => SealBinding;
}

const COLUMNS: SealedColumn[] = [
  {
    table: 'providers',
    key: 'id',
    column: 'client_secret_sealed',
    select: 'name',
    binding: (row) => providerSecretBinding(row.id),
  },
  {
    table: 'signing_keys',
    key: 'kid',
    column: 'private_jwk_sealed',
    select: 'kid',
    binding: (row) => signingKeySecretBinding(row.kid),
  },
  {
    table: 'connections',
    key: 'id',
    column: 'access_token_sealed',
    select: 'provider_id',
    binding: (row) => connectionTokenBinding(row.id, row.provider_id, 'access_token'),
  },
  {
    table: 'connections',
    key: 'id',
    column: 'refresh_token_sealed',
    select: 'provider_id',
    binding: (row) => connectionTokenBinding(row.id, row.provider_id, 'refresh_token'),
  },
  {
    table: 'service_accounts',
    key: 'id',
    column: 'secret_sealed',
    select: 'name, type',
    binding: (row) => serviceAccountSecretBinding(row.id, row.type),
  },
  {
    table: 'oauth_records',
    key: 'id',
    column: 'payload_sealed',
    select: 'model',
    binding: (row) => oauthRecordBinding(row.id),
  },
];

/**
 * Re-seals every secret not sealed with the active key (after a new key was put first in
 * VAULT_KEYS). Idempotent and resumable: each row is re-sealed in its own short transaction,
 * only if it still holds the value read, so concurrent admin edits are never overwritten.
 */
@Injectable()
export class RotateVaultKeysUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: Vault,
  ) {}

  async execute(batchSize = 200): Promise<RotationReport> {
    const report: RotationReport = { examined: 0, resealed: 0, skipped: 0, failed: [] };
    for (const column of COLUMNS) {
      let after = '';
      for (;;) {
        const rows: Record<string, string>[] = await this.dataSource.query(
          `SELECT ${column.key}::text AS id, ${column.select}, ${column.column} AS sealed FROM ${column.table}
            WHERE ${column.key}::text > $1 AND ${column.column} IS NOT NULL ORDER BY ${column.key}::text LIMIT $2`,
          [after, batchSize],
        );
        if (rows.length === 0) {
          break;
        }
        after = rows[rows.length - 1].id;
        for (const row of rows) {
          report.examined += 1;
          await this.rotateRow(column, row, report);
        }
      }
    }
    return report;
  }

  private async rotateRow(
    column: SealedColumn,
    row: Record<string, string>,
    report: RotationReport,
  ): Promise<void> {
    let resealed: string;
    try {
      if (this.vault.isSealedWithActiveKey(row.sealed)) {
        return;
      }
      resealed = this.vault.reseal(row.sealed, column.binding(row));
    } catch {
      report.failed.push({ table: column.table, id: row.id });
      return;
    }
    const result: [unknown[], number] = await this.dataSource.query(
      `UPDATE ${column.table} SET ${column.column} = $1 WHERE ${column.key}::text = $2 AND ${column.column} = $3`,
      [resealed, row.id, row.sealed],
    );
    if (result[1] === 1) {
      report.resealed += 1;
    } else {
      report.skipped += 1;
    }
  }
}
