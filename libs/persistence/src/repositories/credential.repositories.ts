import type { DataSource } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity';
import { ProviderEntity } from '../entities/provider.entity';
import { ServiceAccountEntity } from '../entities/service-account.entity';
import { NamedResourceRepository } from './named-resource.repository';

/** Provider configurations; the audit trail records whether a secret is set, never the secret. */
export class ProviderRepository extends NamedResourceRepository<ProviderEntity> {
  constructor(dataSource: DataSource) {
    super(dataSource, ProviderEntity, 'provider', (p) => ({
      id: p.id,
      name: p.name,
      kind: p.kind,
      client_id: p.clientId,
      client_secret_set: p.clientSecretSealed !== null,
      settings: p.settings,
    }));
  }

  protected override secretChanged(before: ProviderEntity, after: ProviderEntity): boolean {
    return before.clientSecretSealed !== after.clientSecretSealed;
  }
}

/** Service accounts; secrets sealed, never in the audit trail. */
export class ServiceAccountRepository extends NamedResourceRepository<ServiceAccountEntity> {
  constructor(dataSource: DataSource) {
    super(dataSource, ServiceAccountEntity, 'service_account', (a) => ({
      id: a.id,
      name: a.name,
      type: a.type,
      description: a.description,
      settings: a.settings,
    }));
  }

  protected override secretChanged(
    before: ServiceAccountEntity,
    after: ServiceAccountEntity,
  ): boolean {
    return before.secretSealed !== after.secretSealed;
  }
}

/** API keys: hash only; looked up by their non-secret key id. */
export class ApiKeyRepository extends NamedResourceRepository<ApiKeyEntity> {
  constructor(dataSource: DataSource) {
    super(dataSource, ApiKeyEntity, 'api_key', (k) => ({
      id: k.id,
      name: k.name,
      key_id: k.keyId,
      hint: k.hint,
      permissions: k.permissions,
      active: k.active,
      expires_at: k.expiresAt ? k.expiresAt.toISOString() : null,
    }));
  }

  findByKeyId(keyId: string): Promise<ApiKeyEntity | null> {
    return this.dataSource.getRepository(ApiKeyEntity).findOneBy({ keyId });
  }

  /** Records use at most once a minute per key, so validation stays a read on the hot path. */
  async touch(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
