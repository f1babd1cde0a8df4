import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Provider configurations, API keys (hash only) and service accounts (secrets sealed by the vault). */
export class CreateCredentialTables1764400000000 implements MigrationInterface {
  name = 'CreateCredentialTables1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE providers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT uq_providers_name UNIQUE,
        kind text NOT NULL,
        client_id text NOT NULL,
        client_secret_sealed text,
        settings jsonb NOT NULL,
        row_version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT uq_api_keys_name UNIQUE,
        key_id text NOT NULL CONSTRAINT uq_api_keys_key_id UNIQUE,
        key_hash text NOT NULL,
        hint text NOT NULL,
        permissions jsonb NOT NULL DEFAULT '[]',
        active boolean NOT NULL DEFAULT true,
        expires_at timestamptz,
        last_used_at timestamptz,
        row_version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE service_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT uq_service_accounts_name UNIQUE,
        type text NOT NULL,
        description text NOT NULL DEFAULT '',
        settings jsonb NOT NULL,
        secret_sealed text NOT NULL,
        row_version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE service_accounts');
    await queryRunner.query('DROP TABLE api_keys');
    await queryRunner.query('DROP TABLE providers');
  }
}
