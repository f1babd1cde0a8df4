import { Inject, Injectable } from '@nestjs/common';
import type { DeepPartial } from 'typeorm';
import { generateApiKey, hashApiKey } from '@app/crypto';
import { type ApiKeyEntity, ApiKeyRepository, type ChangeContext } from '@app/persistence';
import { CredentialChangePublisher } from '@app/redis';
import { API_KEY_PEPPER } from '@app/vault';
import { AdminApiError } from '../../http/admin-api.error';
import { parseBody } from '../../http/parse-body';
import { NamedResourceAdminService, versionFields } from '../named-resource-admin.service';
import { apiKeyInputSchema } from './api-key.schema';

/** API keys: generated here, returned once at creation, stored as a keyed hash only. */
@Injectable()
export class ApiKeyAdminService extends NamedResourceAdminService<ApiKeyEntity> {
  constructor(
    repository: ApiKeyRepository,
    @Inject(API_KEY_PEPPER) private readonly pepper: Buffer,
    private readonly changes: CredentialChangePublisher,
  ) {
    super(repository, 'api key');
  }

  /** A gateway may have cached a verification of a key now disabled, narrowed or deleted. */
  protected override async afterWrite(): Promise<void> {
    await this.changes.allChanged();
  }

  view(row: ApiKeyEntity): object {
    return {
      id: row.id,
      name: row.name,
      key_id: row.keyId,
      hint: row.hint,
      permissions: row.permissions,
      active: row.active,
      expires_at: row.expiresAt ? row.expiresAt.toISOString() : null,
      last_used_at: row.lastUsedAt ? row.lastUsedAt.toISOString() : null,
      ...versionFields(row),
    };
  }

  /** Creates the row and returns the key, which exists nowhere else afterwards. */
  async createWithKey(
    body: unknown,
    ctx: ChangeContext,
  ): Promise<{ row: ApiKeyEntity; key: string }> {
    const generated = generateApiKey();
    const row = await this.repository.create(
      {
        ...this.toValues(body, null),
        keyId: generated.keyId,
        keyHash: hashApiKey(generated.key, this.pepper),
        hint: generated.hint,
      },
      ctx,
    );
    await this.afterWrite();
    return { row, key: generated.key };
  }

  override create(): Promise<ApiKeyEntity> {
    throw new TypeError('use createWithKey: the key must reach the caller');
  }

  protected editable(row: ApiKeyEntity): Record<string, unknown> {
    return {
      name: row.name,
      permissions: row.permissions,
      active: row.active,
      expires_at: row.expiresAt ? row.expiresAt.toISOString() : null,
    };
  }

  protected toValues(body: unknown, current: ApiKeyEntity | null): DeepPartial<ApiKeyEntity> {
    const input = parseBody(apiKeyInputSchema, body);
    const expiresAt = input.expires_at === null ? null : new Date(input.expires_at);
    const unchangedExpiry = current?.expiresAt?.getTime() === expiresAt?.getTime();
    if (expiresAt !== null && expiresAt.getTime() <= Date.now() && !unchangedExpiry) {
      throw new AdminApiError('validation_failed', 'the request body is invalid', [
        { field: 'expires_at', message: 'must be in the future' },
      ]);
    }
    return { name: input.name, permissions: input.permissions, active: input.active, expiresAt };
  }
}
