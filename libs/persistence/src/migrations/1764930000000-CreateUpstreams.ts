import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Upstream MCP servers the gateway routes to (operator-set; no secrets). */
export class CreateUpstreams1764930000000 implements MigrationInterface {
  name = 'CreateUpstreams1764930000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE upstreams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT uq_upstreams_name UNIQUE,
        url text NOT NULL,
        credential_injection jsonb NOT NULL,
        connect_timeout_ms integer NOT NULL,
        request_timeout_ms integer NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        description text NOT NULL DEFAULT '',
        row_version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE upstreams');
  }
}
