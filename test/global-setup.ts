import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
// Relative import: jest's moduleNameMapper does not apply to global setup files.
import { buildDataSourceOptions } from '../libs/persistence/src/data-source.options';

/**
 * Creates one database per test run and applies the migrations; test files clone it as a template
 * (test/support/test-database.ts) so each file owns its data. A per-run Redis prefix keeps
 * concurrent runs from hearing each other.
 */
export default async function globalSetup(): Promise<void> {
  const adminUrl =
    process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const runId = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const database = `mcpgw_test_${runId}`;
  // Set first, so teardown drops the database even if the migrations below fail.
  process.env.TEST_DATABASE_NAME = database;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();

  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const dataSource = new DataSource(buildDataSourceOptions(url.toString(), { poolSize: 1 }));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  process.env.TEST_TEMPLATE_DATABASE_URL = url.toString();
  process.env.REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.env.REDIS_KEY_PREFIX = `mcpgw-test-${runId}:`;
  // Unpacked once here, before the workers start, so two browser test files never race to unpack it.
  process.env.CHROMIUM_PATH = execFileSync(
    process.execPath,
    [join(__dirname, '..', 'scripts', 'chromium-path.mjs')],
    { encoding: 'utf8' },
  ).trim();
}
