import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The refresh-token reuse window (AS_REFRESH_REUSE_WINDOW_SECONDS): a rotated token may be
 * presented once more shortly after its rotation (a lost response), and the successor it was
 * rotated to is then superseded. `rotated_from` links a refresh token to the one it replaced;
 * `retry_used_at` is set when a token's one retry was taken, or when it was superseded (it has
 * no retry of its own, and presenting it is a replay).
 */
export class RefreshTokenReuseWindow1764910000000 implements MigrationInterface {
  name = 'RefreshTokenReuseWindow1764910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE oauth_records ADD COLUMN rotated_from text, ADD COLUMN retry_used_at timestamptz',
    );
    await queryRunner.query(
      'CREATE INDEX ix_oauth_records_rotated_from ON oauth_records (rotated_from) WHERE rotated_from IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX ix_oauth_records_rotated_from');
    await queryRunner.query(
      'ALTER TABLE oauth_records DROP COLUMN retry_used_at, DROP COLUMN rotated_from',
    );
  }
}
