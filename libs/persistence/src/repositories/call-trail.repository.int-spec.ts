import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { buildDataSourceOptions } from '../data-source.options';
import {
  CALL_TRAIL_ROWS_PER_INSERT,
  CallTrailRepository,
  type CallTrailRecord,
} from './call-trail.repository';

const record = (over: Partial<CallTrailRecord> = {}): CallTrailRecord => ({
  occurredAt: new Date('2026-11-01T10:00:00Z'),
  principal: 'alice',
  clientId: 'client-1',
  upstream: 'fixture',
  tool: 'echo',
  policyId: 'p-1',
  policySetVersion: 3,
  decision: 'allow',
  credentialKind: 'connection',
  credentialId: 'conn-1',
  credentialGeneration: 2,
  upstreamStatus: 200,
  latencyMs: 12,
  correlationId: 'corr-1',
  ...over,
});

describe('CallTrailRepository (real Postgres)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: CallTrailRepository;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(
      buildDataSourceOptions(database.url, { poolSize: 2 }),
    ).initialize();
    repository = new CallTrailRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  beforeEach(async () => {
    await dataSource.query('DELETE FROM call_trail');
  });

  it('inserts more rows than fit under the 65,535 bind-parameter limit in one statement', async () => {
    const count = CALL_TRAIL_ROWS_PER_INSERT * 2 + 7; // > 65,535 / 14 rows
    expect(count * 14).toBeGreaterThan(65_535);
    await repository.insertMany(
      Array.from({ length: count }, (_, i) => record({ correlationId: `c-${i}` })),
    );
    const [{ n }] = await dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM call_trail');
    expect(Number(n)).toBe(count);
  });

  it('round-trips every field', async () => {
    const r = record({ upstreamStatus: null, credentialGeneration: null, clientId: null });
    await repository.insertMany([r]);
    const page = await repository.query({}, null, 10);
    expect(page.records).toHaveLength(1);
    const { id, ...rest } = page.records[0]!;
    expect(id).toMatch(/^\d+$/);
    expect(rest).toEqual(r);
    expect(page.next).toBeNull();
  });

  it('filters by principal, tool, policy, decision, upstream and time range', async () => {
    await repository.insertMany([
      record({ principal: 'bob', correlationId: 'a' }),
      record({ tool: 'slow', correlationId: 'b' }),
      record({ policyId: 'p-2', correlationId: 'c' }),
      record({ decision: 'deny', correlationId: 'd' }),
      record({ upstream: 'other', correlationId: 'e' }),
      record({ occurredAt: new Date('2026-10-01T00:00:00Z'), correlationId: 'f' }),
    ]);
    const ids = async (f: Parameters<CallTrailRepository['query']>[0]) =>
      (await repository.query(f, null, 50)).records.map((r) => r.correlationId).sort();
    expect(await ids({ principal: 'bob' })).toEqual(['a']);
    expect(await ids({ tool: 'slow' })).toEqual(['b']);
    expect(await ids({ policyId: 'p-2' })).toEqual(['c']);
    expect(await ids({ decision: 'deny' })).toEqual(['d']);
    expect(await ids({ upstream: 'other' })).toEqual(['e']);
    expect(await ids({ to: new Date('2026-10-15T00:00:00Z') })).toEqual(['f']);
    expect(await ids({ from: new Date('2026-10-15T00:00:00Z'), principal: 'alice' })).toEqual([
      'b',
      'c',
      'd',
      'e',
    ]);
  });

  it('pages newest first with a stable cursor, ties on time broken by id', async () => {
    const same = new Date('2026-11-02T00:00:00Z');
    await repository.insertMany(
      Array.from({ length: 7 }, (_, i) =>
        record({
          occurredAt: i < 4 ? same : new Date(same.getTime() + i * 1000),
          correlationId: `${i}`,
        }),
      ),
    );
    const seen: string[] = [];
    let cursor = null;
    let pages = 0;
    do {
      const page = await repository.query({}, cursor, 3);
      seen.push(...page.records.map((r) => r.correlationId!));
      cursor = page.next;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.slice(0, 3)).toEqual(['6', '5', '4']);
    expect([...seen].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(new Set(seen).size).toBe(7);
  });

  it('deleteOlderThan removes only rows before the date and says how many', async () => {
    await repository.insertMany([
      record({ occurredAt: new Date('2026-01-01T00:00:00Z'), correlationId: 'old1' }),
      record({ occurredAt: new Date('2026-01-02T00:00:00Z'), correlationId: 'old2' }),
      record({ occurredAt: new Date('2026-06-01T00:00:00Z'), correlationId: 'new' }),
    ]);
    expect(await repository.deleteOlderThan(new Date('2026-03-01T00:00:00Z'))).toBe(2);
    const left = await repository.query({}, null, 10);
    expect(left.records.map((r) => r.correlationId)).toEqual(['new']);
    expect(await repository.deleteOlderThan(new Date('2026-03-01T00:00:00Z'))).toBe(0);
  });
});
