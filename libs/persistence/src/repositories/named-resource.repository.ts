import type { DataSource, DeepPartial, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { StoreError } from '../errors/store.error';
import { type ChangeContext, writeAudit } from './audit.writer';

interface NamedRow extends ObjectLiteral {
  id: string;
  name: string;
  rowVersion: number;
}

/**
 * CRUD for a resource identified by a unique name (providers, API keys, service accounts,
 * upstreams): every write is one transaction with its audit event; `auditView` decides what the
 * audit trail keeps (never a secret, sealed or not).
 */
export class NamedResourceRepository<E extends NamedRow> {
  constructor(
    protected readonly dataSource: DataSource,
    private readonly entity: EntityTarget<E>,
    private readonly resourceType: string,
    private readonly auditView: (row: E) => object,
  ) {}

  list(): Promise<E[]> {
    return this.dataSource.getRepository(this.entity).find({ order: { name: 'ASC' } as never });
  }

  findById(id: string): Promise<E | null> {
    return this.dataSource.getRepository(this.entity).findOneBy({ id } as never);
  }

  findByName(name: string): Promise<E | null> {
    return this.dataSource.getRepository(this.entity).findOneBy({ name } as never);
  }

  async create(values: DeepPartial<E>, ctx: ChangeContext): Promise<E> {
    return this.dataSource.transaction(async (m) => {
      await this.assertNameFree(m, values.name as string);
      const row = await m
        .getRepository(this.entity)
        .save(m.getRepository(this.entity).create(values));
      await writeAudit(m, ctx, [
        {
          action: `${this.resourceType}.create`,
          resourceType: this.resourceType,
          resourceId: row.id,
          before: null,
          after: this.auditView(row),
        },
      ]);
      await this.changed(m);
      return row;
    });
  }

  /** Applies `change` to the current row (locked) and saves it; a no-op change writes nothing. */
  async update(
    id: string,
    expectedVersions: readonly number[] | undefined,
    change: (current: E) => DeepPartial<E>,
    ctx: ChangeContext,
  ): Promise<E> {
    return this.dataSource.transaction(async (m) => {
      const current = await this.lockRow(m, id, expectedVersions);
      const before = this.auditView(current);
      const values = change(current);
      if (values.name !== undefined && values.name !== current.name) {
        await this.assertNameFree(m, values.name as string);
      }
      const next = m
        .getRepository(this.entity)
        .merge(m.getRepository(this.entity).create({ ...current }), values);
      if (
        JSON.stringify(this.auditView(next)) === JSON.stringify(before) &&
        !this.secretChanged(current, next)
      ) {
        return current;
      }
      next.rowVersion = current.rowVersion + 1;
      const row = await m.getRepository(this.entity).save(next);
      await writeAudit(m, ctx, [
        {
          action: `${this.resourceType}.update`,
          resourceType: this.resourceType,
          resourceId: id,
          before,
          after: this.auditView(row),
        },
      ]);
      await this.changed(m);
      return row;
    });
  }

  async delete(
    id: string,
    expectedVersions: readonly number[] | undefined,
    ctx: ChangeContext,
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const current = await this.lockRow(m, id, expectedVersions);
      await m.getRepository(this.entity).delete({ id } as never);
      await writeAudit(m, ctx, [
        {
          action: `${this.resourceType}.delete`,
          resourceType: this.resourceType,
          resourceId: id,
          before: this.auditView(current),
          after: null,
        },
      ]);
      await this.changed(m);
    });
  }

  /**
   * Runs inside every write that changed a row, before it commits: a subclass whose set is
   * cached elsewhere bumps its version here, so the version and the change commit together.
   */
  protected async changed(_m: EntityManager): Promise<void> {}

  /** Subclasses with sealed secrets say whether one changed (it never shows in the audit view). */
  protected secretChanged(_before: E, _after: E): boolean {
    return false;
  }

  private async lockRow(
    m: EntityManager,
    id: string,
    expectedVersions: readonly number[] | undefined,
  ): Promise<E> {
    const row = await m
      .getRepository(this.entity)
      .findOne({ where: { id } as never, lock: { mode: 'pessimistic_write' } });
    if (!row) {
      throw new StoreError('not_found', `${this.resourceType} ${id} does not exist`);
    }
    if (expectedVersions !== undefined && !expectedVersions.includes(row.rowVersion)) {
      throw new StoreError(
        'precondition_failed',
        `${this.resourceType} ${id} is at version ${row.rowVersion}`,
      );
    }
    return row;
  }

  private async assertNameFree(m: EntityManager, name: string): Promise<void> {
    // Serialises creations of one name so the friendly 409 wins over the constraint error.
    await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.resourceType}:${name}`]);
    if (await m.getRepository(this.entity).exists({ where: { name } as never })) {
      throw new StoreError(
        'duplicate_name',
        `a ${this.resourceType.replace('_', ' ')} named "${name}" already exists`,
        'name',
      );
    }
  }
}
