import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The upstream set's version: one counter row bumped in the transaction of every upstream write,
 * so a cache compares one number to know whether it is current, and reads the version and the
 * rows from one snapshot. A table of counters keyed by resource, for the next set that caches
 * follow.
 */
export class CountUpstreamChanges1764940000000 implements MigrationInterface {
  name = 'CountUpstreamChanges1764940000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE resource_versions (
        resource text PRIMARY KEY,
        version bigint NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(
      `INSERT INTO resource_versions (resource, version) VALUES ('upstream', 0)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE resource_versions');
  }
}
