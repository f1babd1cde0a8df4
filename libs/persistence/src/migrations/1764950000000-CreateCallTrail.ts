import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-call credential trail (issue 9 §4). Every filter of `GET /admin/v1/audit/calls` is an
 * equality on one column plus the time range, newest first, so each index leads with that column
 * and ends with (occurred_at DESC, id DESC): the cursor order. occurred_at alone serves the
 * unfiltered listing and the retention delete.
 */
export class CreateCallTrail1764950000000 implements MigrationInterface {
  name = 'CreateCallTrail1764950000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE call_trail (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        principal text NOT NULL,
        client_id text,
        upstream text NOT NULL,
        tool text NOT NULL,
        policy_id text,
        policy_set_version bigint,
        decision text NOT NULL,
        credential_kind text,
        credential_id text,
        credential_generation integer,
        upstream_status integer,
        latency_ms integer NOT NULL,
        correlation_id text
      )`);
    await queryRunner.query(
      'CREATE INDEX call_trail_time ON call_trail (occurred_at DESC, id DESC)',
    );
    for (const column of ['principal', 'tool', 'policy_id', 'decision', 'upstream']) {
      await queryRunner.query(
        `CREATE INDEX call_trail_${column} ON call_trail (${column}, occurred_at DESC, id DESC)`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE call_trail');
  }
}
