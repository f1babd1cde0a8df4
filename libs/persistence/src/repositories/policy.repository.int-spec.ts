import 'reflect-metadata';
import { DataSource } from 'typeorm';
import type { Policy } from '@app/policy-engine';
import { aPolicy } from '@app/testing';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { buildDataSourceOptions } from '../data-source.options';
import { PolicyStoreError } from '../errors/policy-store.error';
import { PolicyRepository } from './policy.repository';

const policy = (name: string, priority: number, pattern = `${name}.*`): Policy =>
  aPolicy(name, pattern, priority);

describe('PolicyRepository (real Postgres)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: PolicyRepository;
  const ctx = { actor: 'tester', correlationId: 'c-1' };

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(
      buildDataSourceOptions(database.url, { poolSize: 8 }),
    ).initialize();
    repository = new PolicyRepository(dataSource, { revisionRetention: 20 });
  });

  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('starts at version 0 with an empty set', async () => {
    expect(await repository.loadSet()).toEqual({ version: 0, policies: [] });
  });

  it('gives concurrent writes distinct, gap-free versions, each with a consistent snapshot', async () => {
    const start = await repository.currentVersion();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        repository.create(policy(`concurrent${i}`, 100 + i), ctx),
      ),
    );
    const versions = results.map((r) => r.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 8 }, (_, i) => start + 1 + i));
    for (const version of versions) {
      const revision = await repository.getRevision(version);
      expect(revision.policyCount).toBe(version - start);
    }
    const { version, policies } = await repository.loadSet();
    expect(version).toBe(start + 8);
    expect(policies.map((p) => p.priority)).toEqual([107, 106, 105, 104, 103, 102, 101, 100]);
  });

  it('refuses a duplicate priority under concurrency: exactly one of two racing creates wins', async () => {
    const outcomes = await Promise.allSettled([
      repository.create(policy('raceA', 500), ctx),
      repository.create(policy('raceB', 500), ctx),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(PolicyStoreError);
    expect((rejected.reason as PolicyStoreError).code).toBe('duplicate_priority');
  });

  it('an update that changes nothing creates no revision', async () => {
    const created = await repository.create(policy('idle', 600), ctx);
    const again = await repository.update(
      created.value.id,
      policy('idle', 600),
      [created.value.row_version],
      ctx,
    );
    expect(again.changed).toBe(false);
    expect(again.version).toBe(created.version);
  });

  it('a stale expected row version is a precondition failure and writes nothing', async () => {
    const created = await repository.create(policy('stale', 700), ctx);
    await expect(
      repository.update(created.value.id, policy('stale', 701), [99], ctx),
    ).rejects.toMatchObject({
      code: 'precondition_failed',
    });
    expect((await repository.findById(created.value.id))?.priority).toBe(700);
  });

  it('replaceAll keeps ids of policies matched by name and rolls back entirely on a conflict', async () => {
    const before = await repository.list();
    const keep = before[0];
    const result = await repository.replaceAll(
      [{ ...keep, description: 'kept' }, policy('fresh', 1)],
      {},
      ctx,
    );
    expect(result.value.removed.length).toBe(before.length - 1);
    const after = await repository.list();
    expect(after.find((p) => p.name === keep.name)?.id).toBe(keep.id);
    expect(after.map((p) => p.name).sort()).toEqual([keep.name, 'fresh'].sort());

    // A clash only the database sees (deferred unique constraint, checked at commit).
    await expect(
      repository.replaceAll([policy('clash1', 5), policy('clash2', 5)], {}, ctx),
    ).rejects.toMatchObject({ code: 'duplicate_priority' });
    expect(await repository.list()).toEqual(after);
  });

  it('replaces a set of 10,000 policies in one call (audit rows stay under the 65,535 bind-parameter limit)', async () => {
    const large = Array.from({ length: 10_000 }, (_, i) => policy(`bulk${i}`, 100_000 + i));
    const result = await repository.replaceAll(large, {}, ctx);
    expect(result.value.added.length).toBe(10_000);
    expect((await repository.list()).length).toBe(10_000);
  }, 120_000);

  it('keeps only the newest revisions (retention)', async () => {
    for (let i = 0; i < 25; i += 1) {
      await repository.create(policy(`retained${i}`, 2000 + i), ctx);
    }
    const revisions = await repository.listRevisions(100);
    expect(revisions).toHaveLength(20);
    expect(revisions[0].version).toBe(await repository.currentVersion());
  });
});
