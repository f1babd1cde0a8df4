import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The authorization server for MCP clients: the OAuth engine's records (clients registered by DCR,
 * grants, codes, refresh tokens, sessions, interactions), the users who logged in through the
 * upstream IdP, and the consent each user gave each client.
 */
export class CreateAuthorizationServerTables1764700000000 implements MigrationInterface {
  name = 'CreateAuthorizationServerTables1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The engine's ids are bearer secrets (refresh tokens, codes, session ids): only their SHA-256
    // is stored, and the payload (which repeats them, and holds DCR client secrets) is sealed.
    await queryRunner.query(`
      CREATE TABLE oauth_records (
        id text PRIMARY KEY,
        model text NOT NULL,
        payload_sealed text NOT NULL,
        grant_id text,
        user_code text,
        uid text,
        expires_at timestamptz,
        consumed_at timestamptz
      )`);
    await queryRunner.query(
      'CREATE INDEX ix_oauth_records_grant_id ON oauth_records (grant_id) WHERE grant_id IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX ix_oauth_records_uid ON oauth_records (model, uid) WHERE uid IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX ix_oauth_records_user_code ON oauth_records (model, user_code) WHERE user_code IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX ix_oauth_records_expires_at ON oauth_records (expires_at) WHERE expires_at IS NOT NULL',
    );
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        idp_issuer text NOT NULL,
        idp_subject text NOT NULL,
        email text,
        email_verified boolean NOT NULL DEFAULT false,
        name text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_users_idp UNIQUE (idp_issuer, idp_subject)
      )`);
    await queryRunner.query(`
      CREATE TABLE consents (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        client_id text NOT NULL,
        scopes jsonb NOT NULL DEFAULT '[]',
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, client_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE consents');
    await queryRunner.query('DROP TABLE users');
    await queryRunner.query('DROP TABLE oauth_records');
  }
}
