import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the workers' token refresh needs on a connection (issue 10):
 * - `resource`: the RFC 8707 resource the grant was obtained for, sent again on every refresh;
 * - `issued_at`: when the current access token was obtained, so the refresh lead can be shortened
 *   for short-lived tokens (never more than half the lifetime);
 * - `refresh_lease_token` / `refresh_lease_until`: the single-flight lease one refresher (a worker
 *   or the broker's on-demand path) holds while it talks to the provider; the rotated tokens are
 *   written only with the lease token and the generation it read (compare-and-swap);
 * - `refresh_failures`, `last_refresh_error`, `last_refreshed_at`: what operators see.
 */
export class ConnectionRefreshState1764960000000 implements MigrationInterface {
  name = 'ConnectionRefreshState1764960000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE connections
        ADD COLUMN resource text,
        ADD COLUMN issued_at timestamptz,
        ADD COLUMN refresh_lease_token uuid,
        ADD COLUMN refresh_lease_until timestamptz,
        ADD COLUMN refresh_failures integer NOT NULL DEFAULT 0,
        ADD COLUMN last_refresh_error text,
        ADD COLUMN last_refreshed_at timestamptz`);
    // Rows from before: the last write is the best guess of when their token was obtained.
    await queryRunner.query('UPDATE connections SET issued_at = updated_at');
    // The sweep walks refreshable active connections in id order.
    await queryRunner.query(
      `CREATE INDEX ix_connections_refreshable ON connections (id)
         WHERE status = 'active' AND refresh_token_sealed IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX ix_connections_refreshable');
    await queryRunner.query(`
      ALTER TABLE connections
        DROP COLUMN resource, DROP COLUMN issued_at, DROP COLUMN refresh_lease_token,
        DROP COLUMN refresh_lease_until, DROP COLUMN refresh_failures,
        DROP COLUMN last_refresh_error, DROP COLUMN last_refreshed_at`);
  }
}
