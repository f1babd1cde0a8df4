/**
 * Call-trail write cost (issue 9 §4): µs per `CallTrail.record()` on the hot path (trail on vs a
 * no-op in its place: "off"), and rows/s the writer flushes to Postgres in batches.
 *
 * Run: `npm run bench:trail` (local Postgres on DATABASE_URL or 127.0.0.1:5432; a scratch database
 * is created and dropped). Every loop is bounded.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, CallTrailRepository } from '../libs/persistence/src';
import type { CallRecord } from '../apps/gateway/src/trail/call-record';
import { CallTrail } from '../apps/gateway/src/trail/call-trail';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const HOT_CALLS = 200_000;
const FLUSH_ROWS = 50_000;

const entry = (i: number): CallRecord => ({
  occurredAt: new Date(),
  principal: 'https://idp.example|alice',
  clientId: 'bench-client',
  upstream: 'fixture',
  tool: 'echo',
  policyId: '3f1c0a52-5d0e-4c43-9d6a-1b2f3c4d5e6f',
  policySetVersion: 42,
  decision: 'allow',
  credentialKind: 'connection',
  credentialId: 'a1b2c3d4-0000-4000-8000-000000000000',
  credentialGeneration: 3,
  upstreamStatus: 200,
  latencyMs: 4,
  correlationId: `req-${i}`,
});

async function main(): Promise<void> {
  const name = `trail_bench_${randomBytes(4).toString('hex')}`;
  const adminUrl = new URL(ADMIN_URL);
  adminUrl.pathname = '/postgres';
  const admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const ds = await new DataSource(
    buildDataSourceOptions(url.toString(), { poolSize: 2 }),
  ).initialize();
  const logger = pino({ level: 'silent' });
  try {
    await ds.runMigrations();
    const repository = new CallTrailRepository(ds);

    // Hot path: record() only (queue big enough that nothing is dropped, no flush during the loop).
    const records = Array.from({ length: HOT_CALLS }, (_, i) => entry(i));
    const off = { record: (_r: CallRecord): void => undefined };
    // The sink does not matter to record() (it only queues); a discarding one keeps rounds short.
    const hot = new CallTrail(
      { insertMany: () => Promise.resolve() },
      { queueMax: HOT_CALLS * 2, flushMs: 3_600_000, batchSize: HOT_CALLS * 2 + 1 },
      new Registry(),
      logger,
    );
    const time = (fn: (r: CallRecord) => void): number => {
      const t0 = process.hrtime.bigint();
      for (const r of records) {
        fn(r);
      }
      return Number(process.hrtime.bigint() - t0) / 1000 / HOT_CALLS;
    };
    // Alternated rounds, best of each: the first rounds pay for JIT warm-up.
    let offUs = Infinity;
    let onUs = Infinity;
    for (let round = 0; round < 3; round++) {
      offUs = Math.min(
        offUs,
        time((r) => off.record(r)),
      );
      onUs = Math.min(
        onUs,
        time((r) => hot.record(r)),
      );
      await hot.flush();
    }
    await hot.close();

    // Flush throughput: FLUSH_ROWS queued, written in batches of 500 (the default).
    const flusher = new CallTrail(
      repository,
      { queueMax: FLUSH_ROWS, flushMs: 3_600_000 },
      new Registry(),
      logger,
    );
    await ds.query('TRUNCATE call_trail');
    const t0 = performance.now();
    for (let i = 0; i < FLUSH_ROWS; i++) {
      flusher.record(entry(i));
    }
    await flusher.close();
    const seconds = (performance.now() - t0) / 1000;
    const [{ n }] = await ds.query<{ n: string }[]>('SELECT count(*) AS n FROM call_trail');

    console.log(
      `record() on the hot path: ${onUs.toFixed(3)} µs/call (trail off: ${offUs.toFixed(3)} µs/call), ${HOT_CALLS} calls`,
    );
    console.log(
      `flush to Postgres: ${Math.round(Number(n) / seconds)} rows/s (${n} rows in ${seconds.toFixed(2)} s, batches of 500)`,
    );
  } finally {
    await ds.destroy();
    await admin.query(`DROP DATABASE ${name}`);
    await admin.end();
  }
}

void main();
