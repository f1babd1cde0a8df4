import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePolicyTables1764300000000 implements MigrationInterface {
  name = 'CreatePolicyTables1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Unique constraints are DEFERRABLE so a declarative replace can swap priorities or names
    // between policies inside one transaction; they are checked at commit.
    await queryRunner.query(`
      CREATE TABLE policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        match_pattern text NOT NULL,
        priority integer NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        description text NOT NULL DEFAULT '',
        auth_method jsonb NOT NULL,
        row_version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_policies_name UNIQUE (name) DEFERRABLE INITIALLY IMMEDIATE,
        CONSTRAINT uq_policies_priority UNIQUE (priority) DEFERRABLE INITIALLY IMMEDIATE
      )`);
    await queryRunner.query(`
      CREATE TABLE policy_revisions (
        version bigint PRIMARY KEY,
        actor text NOT NULL,
        reason text NOT NULL,
        policy_count integer NOT NULL,
        snapshot jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id text,
        before jsonb,
        after jsonb,
        policy_set_version bigint,
        correlation_id text
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_audit_events_occurred_at ON audit_events (occurred_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_audit_events_resource ON audit_events (resource_type, resource_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_events`);
    await queryRunner.query(`DROP TABLE policy_revisions`);
    await queryRunner.query(`DROP TABLE policies`);
  }
}
