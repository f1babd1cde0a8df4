import Redis from 'ioredis';
import { Client } from 'pg';

/** What a gateway stack leaves behind, removed at the end; failures are reported, never thrown. */

export async function dropDatabase(postgresUrl: string, database: string): Promise<void> {
  const admin = new Client({ connectionString: `${postgresUrl}/postgres` });
  try {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } catch (error) {
    process.stderr.write(`could not drop ${database}: ${(error as Error).message}\n`);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) {
        await redis.del(...keys);
      }
    } while (cursor !== '0');
  } catch (error) {
    process.stderr.write(`could not clean Redis ${prefix}*: ${(error as Error).message}\n`);
  } finally {
    redis.disconnect();
  }
}
