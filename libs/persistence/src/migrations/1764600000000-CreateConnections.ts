import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A user's link to a provider: sealed tokens, granted scopes, expiry, refresh generation, status. */
export class CreateConnections1764600000000 implements MigrationInterface {
  name = 'CreateConnections1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject text NOT NULL,
        provider_id uuid NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
        access_token_sealed text NOT NULL,
        refresh_token_sealed text,
        token_type text NOT NULL,
        scopes jsonb NOT NULL DEFAULT '[]',
        expires_at timestamptz,
        refresh_generation integer NOT NULL DEFAULT 0,
        status text NOT NULL CONSTRAINT ck_connections_status CHECK (status IN ('active', 'needs_reauth', 'revoked')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_connections_subject_provider UNIQUE (subject, provider_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_connections_expires_at ON connections (expires_at) WHERE status = 'active'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE connections');
  }
}
