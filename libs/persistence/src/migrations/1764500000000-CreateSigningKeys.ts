import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Keys the broker signs its access tokens with: one active, one previous still published. */
export class CreateSigningKeys1764500000000 implements MigrationInterface {
  name = 'CreateSigningKeys1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_jwk_sealed text NOT NULL,
        state text NOT NULL CONSTRAINT ck_signing_keys_state CHECK (state IN ('active', 'previous', 'retired')),
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
    // At most one active and one previous key, enforced by the database.
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_signing_keys_active ON signing_keys (state) WHERE state IN ('active', 'previous')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE signing_keys');
  }
}
