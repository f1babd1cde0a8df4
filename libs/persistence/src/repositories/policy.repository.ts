export type { ChangeContext } from './audit.writer';
import type { DataSource, EntityManager } from 'typeorm';
import type { Policy } from '@app/policy-engine';
import { PolicyRevisionEntity } from '../entities/policy-revision.entity';
import { PolicyEntity } from '../entities/policy.entity';
import { PolicyStoreError } from '../errors/policy-store.error';
import {
  type AuditDraft as SharedAuditDraft,
  type ChangeContext,
  writeAudit,
} from './audit.writer';
import { diffPolicySets, isEmptyDiff, type PolicySetDiff } from '../policy-set.diff';

/** A policy as stored: the engine's shape plus bookkeeping. */
export interface StoredPolicy extends Policy {
  id: string;
  row_version: number;
  created_at: string;
  updated_at: string;
}

export interface WriteResult<T> {
  value: T;
  /** Policy-set version after the write (unchanged when the write changed nothing). */
  version: number;
  changed: boolean;
}

type AuditDraft = Omit<SharedAuditDraft, 'resourceType'>;

// Serialises every policy-set write so versions are gap-free and snapshots consistent.
const POLICY_SET_LOCK = 0x6d637067; // "mcpg"

export function toPolicy(row: PolicyEntity): Policy {
  return {
    id: row.id,
    name: row.name,
    match_pattern: row.matchPattern,
    priority: row.priority,
    enabled: row.enabled,
    description: row.description,
    auth_method: row.authMethod,
  };
}

function toStored(row: PolicyEntity): StoredPolicy {
  return {
    ...toPolicy(row),
    id: row.id,
    row_version: row.rowVersion,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** Postgres unique_violation on one of our two unique constraints → a domain conflict. */
function asConflict(error: unknown): PolicyStoreError | null {
  const constraint =
    (error as { code?: string; constraint?: string }).code === '23505'
      ? (error as { constraint?: string }).constraint
      : undefined;
  if (constraint === 'uq_policies_name') {
    return new PolicyStoreError('duplicate_name', 'another policy already has this name', 'name', {
      cause: error,
    });
  }
  if (constraint === 'uq_policies_priority') {
    return new PolicyStoreError(
      'duplicate_priority',
      'another policy already has this priority',
      'priority',
      { cause: error },
    );
  }
  return null;
}

/** Owns the policies, their revisions and their audit trail. Every write is one transaction. */
export class PolicyRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: { revisionRetention?: number } = {},
  ) {}

  async currentVersion(): Promise<number> {
    const rows: { v: string }[] = await this.dataSource.query(
      'SELECT coalesce(max(version), 0) AS v FROM policy_revisions',
    );
    return Number(rows[0].v);
  }

  /** The newest committed set and its version, read atomically from the latest revision. */
  async loadSet(): Promise<{ version: number; policies: Policy[] }> {
    const latest = await this.dataSource.getRepository(PolicyRevisionEntity).find({
      order: { version: 'DESC' },
      take: 1,
    });
    return latest.length === 0
      ? { version: 0, policies: [] }
      : { version: latest[0].version, policies: latest[0].snapshot };
  }

  /** Every policy and the version they belong to, read from one snapshot (the set's ETag). */
  async listWithVersion(): Promise<{ policies: StoredPolicy[]; version: number }> {
    return this.dataSource.transaction('REPEATABLE READ', async (m) => {
      const rows = await m.getRepository(PolicyEntity).find({ order: { priority: 'DESC' } });
      return { policies: rows.map(toStored), version: await this.versionIn(m) };
    });
  }

  async list(): Promise<StoredPolicy[]> {
    const rows = await this.dataSource
      .getRepository(PolicyEntity)
      .find({ order: { priority: 'DESC' } });
    return rows.map(toStored);
  }

  async findById(id: string): Promise<StoredPolicy | null> {
    const row = await this.dataSource.getRepository(PolicyEntity).findOneBy({ id });
    return row ? toStored(row) : null;
  }

  async create(policy: Policy, ctx: ChangeContext): Promise<WriteResult<StoredPolicy>> {
    return this.write(ctx, 'create', async (m) => {
      await this.assertUnique(m, policy);
      const row = await m.getRepository(PolicyEntity).save(this.toEntity(policy));
      const stored = toStored(row);
      return {
        value: stored,
        audits: [
          { action: 'policy.create', resourceId: row.id, before: null, after: toPolicy(row) },
        ],
      };
    });
  }

  async update(
    id: string,
    policy: Policy,
    expectedRowVersions: readonly number[] | undefined,
    ctx: ChangeContext,
  ): Promise<WriteResult<StoredPolicy>> {
    return this.write(ctx, 'update', async (m) => {
      const current = await this.lockRow(m, id, expectedRowVersions);
      const before = toPolicy(current);
      const after = { ...policy, id };
      if (diffPolicySets([before], [after]).unchanged === 1) {
        return { value: toStored(current), audits: [] };
      }
      await this.assertUnique(m, policy, id);
      Object.assign(current, this.toEntity(policy), { id, rowVersion: current.rowVersion + 1 });
      const row = await m.getRepository(PolicyEntity).save(current);
      return {
        value: toStored(row),
        audits: [{ action: 'policy.update', resourceId: id, before, after: toPolicy(row) }],
      };
    });
  }

  async delete(
    id: string,
    expectedRowVersions: readonly number[] | undefined,
    ctx: ChangeContext,
  ): Promise<WriteResult<null>> {
    return this.write(ctx, 'delete', async (m) => {
      const current = await this.lockRow(m, id, expectedRowVersions);
      await m.getRepository(PolicyEntity).delete({ id });
      return {
        value: null,
        audits: [
          { action: 'policy.delete', resourceId: id, before: toPolicy(current), after: null },
        ],
      };
    });
  }

  /**
   * Replaces the whole set atomically (policies matched by name keep their ids). With `dryRun`
   * nothing is written and the diff is returned. `expectedVersions` guards against a set that
   * changed since the caller read it.
   */
  async replaceAll(
    policies: Policy[],
    opts: { expectedVersions?: readonly number[]; dryRun?: boolean; reason?: string },
    ctx: ChangeContext,
  ): Promise<WriteResult<PolicySetDiff>> {
    return this.write(ctx, opts.reason ?? 'replace', async (m) => {
      const version = await this.versionIn(m);
      if (opts.expectedVersions !== undefined && !opts.expectedVersions.includes(version)) {
        throw new PolicyStoreError(
          'precondition_failed',
          `the policy set is at version ${version}, not ${opts.expectedVersions.join(' or ')}`,
        );
      }
      const current = (await m.getRepository(PolicyEntity).find()).map(toPolicy);
      const diff = diffPolicySets(current, policies);
      if (opts.dryRun || isEmptyDiff(diff)) {
        return { value: diff, audits: [] };
      }
      await m.query('SET CONSTRAINTS uq_policies_name, uq_policies_priority DEFERRED');
      const repo = m.getRepository(PolicyEntity);
      const audits: AuditDraft[] = [];
      if (diff.removed.length > 0) {
        await repo.delete(diff.removed.map((p) => p.id as string));
      }
      for (const removed of diff.removed) {
        audits.push({
          action: 'policy.delete',
          resourceId: removed.id ?? null,
          before: removed,
          after: null,
        });
      }
      for (const change of diff.changed) {
        const id = change.before.id as string;
        await m.query(
          `UPDATE policies SET match_pattern = $2, priority = $3, enabled = $4, description = $5,
             auth_method = $6, row_version = row_version + 1, updated_at = now() WHERE id = $1`,
          [
            id,
            change.after.match_pattern,
            change.after.priority,
            change.after.enabled,
            change.after.description,
            JSON.stringify(change.after.auth_method),
          ],
        );
        audits.push({
          action: 'policy.update',
          resourceId: id,
          before: change.before,
          after: change.after,
        });
      }
      if (diff.added.length > 0) {
        const rows = await repo.save(
          diff.added.map((p) => this.toEntity(p)),
          { chunk: 500 },
        );
        rows.forEach((row) =>
          audits.push({
            action: 'policy.create',
            resourceId: row.id,
            before: null,
            after: toPolicy(row),
          }),
        );
      }
      return { value: diff, audits };
    });
  }

  async listRevisions(
    limit: number,
    beforeVersion?: number,
  ): Promise<Omit<PolicyRevisionEntity, 'snapshot'>[]> {
    const qb = this.dataSource
      .getRepository(PolicyRevisionEntity)
      .createQueryBuilder('r')
      .select(['r.version', 'r.actor', 'r.reason', 'r.policyCount', 'r.createdAt'])
      .orderBy('r.version', 'DESC')
      .take(limit);
    if (beforeVersion !== undefined) {
      qb.where('r.version < :beforeVersion', { beforeVersion });
    }
    return qb.getMany();
  }

  async getRevision(version: number): Promise<PolicyRevisionEntity> {
    const revision = await this.dataSource
      .getRepository(PolicyRevisionEntity)
      .findOneBy({ version });
    if (!revision) {
      throw new PolicyStoreError(
        'revision_not_found',
        `revision ${version} does not exist (or was pruned)`,
      );
    }
    return revision;
  }

  private toEntity(policy: Policy): Partial<PolicyEntity> {
    return {
      name: policy.name,
      matchPattern: policy.match_pattern,
      priority: policy.priority,
      enabled: policy.enabled,
      description: policy.description,
      authMethod: policy.auth_method,
    };
  }

  private async versionIn(m: EntityManager): Promise<number> {
    const rows: { v: string }[] = await m.query(
      'SELECT coalesce(max(version), 0) AS v FROM policy_revisions',
    );
    return Number(rows[0].v);
  }

  private async lockRow(
    m: EntityManager,
    id: string,
    expectedRowVersions: readonly number[] | undefined,
  ): Promise<PolicyEntity> {
    const row = await m
      .getRepository(PolicyEntity)
      .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!row) {
      throw new PolicyStoreError('policy_not_found', `policy ${id} does not exist`);
    }
    if (expectedRowVersions !== undefined && !expectedRowVersions.includes(row.rowVersion)) {
      throw new PolicyStoreError(
        'precondition_failed',
        `policy ${id} is at version ${row.rowVersion}, not ${expectedRowVersions.join(' or ')}`,
      );
    }
    return row;
  }

  /** Names the clash precisely (409 with the field) instead of waiting for the constraint. */
  private async assertUnique(m: EntityManager, policy: Policy, exceptId?: string): Promise<void> {
    const clashes: { id: string; name: string; priority: number }[] = await m.query(
      'SELECT id, name, priority FROM policies WHERE (name = $1 OR priority = $2) AND id IS DISTINCT FROM $3',
      [policy.name, policy.priority, exceptId ?? null],
    );
    const byName = clashes.find((c) => c.name === policy.name);
    if (byName) {
      throw new PolicyStoreError(
        'duplicate_name',
        `a policy named "${policy.name}" already exists`,
        'name',
      );
    }
    const byPriority = clashes.find((c) => c.priority === policy.priority);
    if (byPriority) {
      throw new PolicyStoreError(
        'duplicate_priority',
        `priority ${policy.priority} is already used by policy "${byPriority.name}"`,
        'priority',
      );
    }
  }

  private async write<T>(
    ctx: ChangeContext,
    reason: string,
    fn: (m: EntityManager) => Promise<{ value: T; audits: AuditDraft[] }>,
  ): Promise<WriteResult<T>> {
    try {
      return await this.dataSource.transaction(async (m) => {
        await m.query('SELECT pg_advisory_xact_lock($1)', [POLICY_SET_LOCK]);
        const { value, audits } = await fn(m);
        if (audits.length === 0) {
          return { value, version: await this.versionIn(m), changed: false };
        }
        const version = (await this.versionIn(m)) + 1;
        const snapshot = (
          await m.getRepository(PolicyEntity).find({ order: { priority: 'DESC' } })
        ).map(toPolicy);
        await m.getRepository(PolicyRevisionEntity).insert({
          version,
          actor: ctx.actor,
          reason,
          policyCount: snapshot.length,
          snapshot,
        });
        await writeAudit(
          m,
          ctx,
          audits.map((a) => ({ ...a, resourceType: 'policy' })),
          version,
        );
        const retention = this.options.revisionRetention ?? 500;
        await m.query('DELETE FROM policy_revisions WHERE version <= $1', [version - retention]);
        return { value, version, changed: true };
      });
    } catch (error) {
      throw asConflict(error) ?? error;
    }
  }
}
