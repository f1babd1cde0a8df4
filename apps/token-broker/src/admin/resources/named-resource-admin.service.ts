import type { DeepPartial } from 'typeorm';
import type { ChangeContext, NamedResourceRepository } from '@app/persistence';
import { AdminApiError } from '../http/admin-api.error';
import { mergePatch } from '../policies/merge-patch';
import { isUuid } from '../http/uuid';

interface Row {
  id: string;
  name: string;
  rowVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The bookkeeping fields every resource view carries (`row_version` is also its ETag). */
export function versionFields(row: Row): {
  row_version: number;
  created_at: string;
  updated_at: string;
} {
  return {
    row_version: row.rowVersion,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/**
 * Use cases shared by the admin resources named by policies (providers, service accounts, API
 * keys, upstreams): validate the body, seal secrets, write through the repository (which
 * audits), render a view that never contains a secret.
 */
export abstract class NamedResourceAdminService<E extends Row> {
  protected constructor(
    protected readonly repository: NamedResourceRepository<E>,
    private readonly label: string,
  ) {}

  /** The response body for a row: never a secret, sealed or not. */
  abstract view(row: E): object;

  /** Validates a full input body and turns it into column values (sealing secrets). */
  protected abstract toValues(body: unknown, current: E | null): DeepPartial<E>;

  /** The current row as an input body without its secrets: what a merge patch applies to. */
  protected abstract editable(row: E): Record<string, unknown>;

  async list(): Promise<object[]> {
    return (await this.repository.list()).map((row) => this.view(row));
  }

  async get(id: string): Promise<E> {
    const row = isUuid(id) ? await this.repository.findById(id) : null;
    if (!row) {
      throw new AdminApiError('not_found', `${this.label} ${id} does not exist`);
    }
    return row;
  }

  /**
   * After a write committed (changed or not): what the subclass tells the processes that cache
   * the resource. Never throws for what only delays them (they also poll or expire).
   */
  protected async afterWrite(): Promise<void> {}

  async create(body: unknown, ctx: ChangeContext): Promise<E> {
    return this.written(await this.repository.create(this.toValues(body, null), ctx));
  }

  async replace(
    id: string,
    body: unknown,
    expected: readonly number[] | undefined,
    ctx: ChangeContext,
  ): Promise<E> {
    await this.get(id);
    // Built from the row as locked inside the write, so nothing read earlier is written back.
    return this.written(
      await this.repository.update(id, expected, (locked) => this.toValues(body, locked), ctx),
    );
  }

  async patch(
    id: string,
    body: unknown,
    expected: readonly number[] | undefined,
    ctx: ChangeContext,
  ): Promise<E> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new AdminApiError('validation_failed', 'a merge patch must be a JSON object', [
        { field: 'body', message: 'must be an object' },
      ]);
    }
    const current = await this.get(id);
    const editable = this.editable(current);
    const merged = mergePatch(editable, body) as Record<string, unknown>;
    // Write-only fields are absent from `editable`, so merge-patch `null` would just vanish;
    // keep it, meaning "remove the secret" (absence means "keep it").
    for (const [key, value] of Object.entries(body)) {
      if (value === null && !(key in editable)) {
        merged[key] = null;
      }
    }
    // The merge was made on `current`; If-Match (or its row version) makes sure it is still current.
    return this.written(
      await this.repository.update(
        id,
        expected ?? [current.rowVersion],
        (locked) => this.toValues(merged, locked),
        ctx,
      ),
    );
  }

  async remove(
    id: string,
    expected: readonly number[] | undefined,
    ctx: ChangeContext,
  ): Promise<void> {
    await this.get(id);
    await this.repository.delete(id, expected, ctx);
    await this.afterWrite();
  }

  protected async written(row: E): Promise<E> {
    await this.afterWrite();
    return row;
  }
}
