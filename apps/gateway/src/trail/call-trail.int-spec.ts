import 'reflect-metadata';
import pino from 'pino';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, CallTrailRepository } from '@app/persistence';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import type { CallRecord } from './call-record';
import { CallTrail, type CallTrailOptions } from './call-trail';

const entry = (i: number): CallRecord => ({
  occurredAt: new Date(),
  principal: 'alice',
  clientId: 'client-1',
  upstream: 'fixture',
  tool: 'echo',
  policyId: 'p-1',
  policySetVersion: 1,
  decision: 'allow',
  credentialKind: null,
  credentialId: null,
  credentialGeneration: null,
  upstreamStatus: 200,
  latencyMs: 3,
  correlationId: `c-${i}`,
});

describe('CallTrail writer (issue 9 §4, real Postgres)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: CallTrailRepository;
  const open: CallTrail[] = [];
  let registry: Registry;
  let lines: { level: number; msg: string }[];

  const trail = (options: Partial<CallTrailOptions> = {}): CallTrail => {
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    const t = new CallTrail(
      repository,
      { queueMax: 100, flushMs: 60_000, batchSize: 10, ...options },
      registry,
      logger,
    );
    open.push(t);
    return t;
  };
  const rows = async (): Promise<number> =>
    Number((await dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM call_trail'))[0]!.n);
  const counter = async (name: string): Promise<number> =>
    (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;

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
    registry = new Registry();
    lines = [];
    await dataSource.query('DELETE FROM call_trail');
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  it('record() only queues: nothing is written before a full batch or a tick', async () => {
    const t = trail();
    for (let i = 0; i < 9; i++) {
      t.record(entry(i));
    }
    expect(t.pending).toBe(9);
    expect(await rows()).toBe(0);
  });

  it('writes in batches as soon as a batch is full', async () => {
    const t = trail();
    for (let i = 0; i < 25; i++) {
      t.record(entry(i));
    }
    await t.flush();
    expect(await rows()).toBe(25);
    expect(t.pending).toBe(0);
    expect(await counter('gateway_trail_written_total')).toBe(25);
  });

  it('writes on the flush interval', async () => {
    const t = trail({ flushMs: 20 });
    t.record(entry(1));
    const deadline = Date.now() + 5000;
    while ((await rows()) === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await rows()).toBe(1);
  });

  it('bounds the queue: past queueMax new records are dropped and counted', async () => {
    const t = trail({ queueMax: 5, batchSize: 100 });
    for (let i = 0; i < 8; i++) {
      t.record(entry(i));
    }
    expect(t.pending).toBe(5);
    expect(await counter('gateway_trail_dropped_total')).toBe(3);
    await t.flush();
    const kept = await repository.query({}, null, 10);
    expect(kept.records.map((r) => r.correlationId).sort()).toEqual([
      'c-0',
      'c-1',
      'c-2',
      'c-3',
      'c-4',
    ]);
  });

  it('flushes what is queued on shutdown, and drops (counts) what comes after', async () => {
    const t = trail({ batchSize: 50 });
    for (let i = 0; i < 7; i++) {
      t.record(entry(i));
    }
    await t.close();
    expect(await rows()).toBe(7);
    t.record(entry(99));
    expect(await counter('gateway_trail_dropped_total')).toBe(1);
  });

  it('Postgres failing: keeps records within the bound, retries, logs once per outage', async () => {
    const t = trail({ queueMax: 30, batchSize: 10 });
    await dataSource.query('ALTER TABLE call_trail RENAME TO call_trail_away');
    try {
      for (let i = 0; i < 20; i++) {
        t.record(entry(i));
      }
      await t.flush();
      await t.flush();
      await t.flush();
      expect(t.pending).toBe(20);
      for (let i = 20; i < 35; i++) {
        t.record(entry(i));
      }
      expect(t.pending).toBe(30);
      expect(await counter('gateway_trail_dropped_total')).toBe(5);
      await t.flush();
    } finally {
      await dataSource.query('ALTER TABLE call_trail_away RENAME TO call_trail');
    }
    const warnings = lines.filter((l) => l.msg.startsWith('call trail: writes failing'));
    expect(warnings).toHaveLength(1);
    await t.flush();
    expect(await rows()).toBe(30);
    expect(t.pending).toBe(0);
    expect(lines.filter((l) => l.msg === 'call trail: writes resumed')).toHaveLength(1);
    expect(await counter('gateway_trail_written_total')).toBe(30);
  });

  it('refuses nonsense options at construction', () => {
    expect(() => trail({ queueMax: 0 })).toThrow(TypeError);
  });
});
