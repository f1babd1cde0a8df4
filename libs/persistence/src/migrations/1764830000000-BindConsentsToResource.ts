import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A consent is given to a client for the resources (gateway audiences) it named: one row per
 * user, client and resource, so allowing `…/mcp/github` never allows `…/mcp/slack`. Consents
 * stored before did not record a resource and cannot be honoured for any: they are dropped, and
 * the user is asked again.
 */
export class BindConsentsToResource1764830000000 implements MigrationInterface {
  name = 'BindConsentsToResource1764830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DELETE FROM consents');
    await queryRunner.query('ALTER TABLE consents DROP CONSTRAINT consents_pkey');
    await queryRunner.query('ALTER TABLE consents ADD COLUMN resource text NOT NULL');
    await queryRunner.query(
      'ALTER TABLE consents ADD CONSTRAINT consents_pkey PRIMARY KEY (user_id, client_id, resource)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DELETE FROM consents');
    await queryRunner.query('ALTER TABLE consents DROP CONSTRAINT consents_pkey');
    await queryRunner.query('ALTER TABLE consents DROP COLUMN resource');
    await queryRunner.query(
      'ALTER TABLE consents ADD CONSTRAINT consents_pkey PRIMARY KEY (user_id, client_id)',
    );
  }
}
