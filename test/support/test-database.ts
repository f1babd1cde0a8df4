import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

function adminUrl(): string {
  return process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  /** Runs one statement on this database (a short-lived connection). */
  query(sql: string, params?: unknown[]): Promise<unknown[]>;
  drop(): Promise<void>;
}

/**
 * A database of this test file's own, cloned from the run's migrated template (global setup), so
 * files that replace the whole policy set never see each other's data.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env.TEST_DATABASE_NAME;
  if (!template) {
    throw new Error(
      'TEST_DATABASE_NAME is not set: run integration tests through jest (global setup)',
    );
  }
  const name = `${template}_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    query: async (sql, params = []) => {
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as unknown[];
      } finally {
        await client.end();
      }
    },
    drop: () =>
      withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

/** A Redis key prefix of this test file's own (channels included). */
export function testRedisPrefix(): string {
  return `${process.env.REDIS_KEY_PREFIX ?? 'mcpgw-test:'}${randomBytes(3).toString('hex')}:`;
}
