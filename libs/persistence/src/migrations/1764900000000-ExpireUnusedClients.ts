import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Open registration must not grow `oauth_records` without bound: a registered client that never
 * completes a sign-in is removed after AS_UNUSED_CLIENT_TTL_HOURS, with its registration access
 * tokens. `created_at` dates a row, `signed_in_at` marks a client that completed a sign-in (kept),
 * `client_id` (public: client ids are not secrets) finds a client's other records.
 */
export class ExpireUnusedClients1764900000000 implements MigrationInterface {
  name = 'ExpireUnusedClients1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE oauth_records
        ADD COLUMN client_id text,
        ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN signed_in_at timestamptz`);
    // Whether an existing client ever signed in is sealed in payloads SQL cannot read: keep them.
    await queryRunner.query(`UPDATE oauth_records SET signed_in_at = now() WHERE model = 'Client'`);
    await queryRunner.query(
      `CREATE INDEX ix_oauth_records_unused_clients ON oauth_records (created_at)
       WHERE model = 'Client' AND signed_in_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_oauth_records_client_id ON oauth_records (client_id)
       WHERE client_id IS NOT NULL AND model = 'RegistrationAccessToken'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX ix_oauth_records_client_id');
    await queryRunner.query('DROP INDEX ix_oauth_records_unused_clients');
    await queryRunner.query(
      'ALTER TABLE oauth_records DROP COLUMN signed_in_at, DROP COLUMN created_at, DROP COLUMN client_id',
    );
  }
}
