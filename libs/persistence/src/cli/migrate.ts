import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfigOrExit, migrateSchema } from '@app/config';
import { buildDataSourceOptions } from '../data-source.options';

const INVALID_CATALOG_NAME = '3D000';

/**
 * Creates the database named in DATABASE_URL when the server does not have it yet, so a first
 * `npm start` against a bare local Postgres works. Needs CREATEDB; otherwise the error says so.
 */
async function ensureDatabase(databaseUrl: string): Promise<void> {
  const probe = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await probe.connect();
    await probe.end();
    return;
  } catch (error) {
    await probe.end().catch(() => undefined);
    if ((error as { code?: string }).code !== INVALID_CATALOG_NAME) {
      throw error;
    }
  }
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    process.stdout.write(JSON.stringify({ msg: 'database created', database: name }) + '\n');
  } finally {
    await admin.end();
  }
}

/** `npm run migrate`: applies pending migrations and exits (compose `migrate` service). */
async function main(): Promise<void> {
  const config = loadConfigOrExit(migrateSchema, 'migrate');
  const dataSource = new DataSource(
    buildDataSourceOptions(config.DATABASE_URL, { poolSize: 1, applicationName: 'migrate' }),
  );
  try {
    await ensureDatabase(config.DATABASE_URL);
    await dataSource.initialize();
  } catch (error) {
    process.stderr.write(`migrate: cannot connect to DATABASE_URL (${(error as Error).message})\n`);
    process.exit(1);
  }
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  process.stdout.write(
    JSON.stringify({ msg: 'migrations applied', applied: applied.map((m) => m.name) }) + '\n',
  );
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate: failed: ${(error as Error).message}\n`);
  process.exit(1);
});
