import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { DeepPartial } from 'typeorm';
import { Vault } from '@app/crypto';
import { type ServiceAccountEntity, ServiceAccountRepository } from '@app/persistence';
import { CredentialChangePublisher } from '@app/redis';
import { serviceAccountSecretBinding } from '@app/vault';
import { AdminApiError } from '../../http/admin-api.error';
import { parseBody } from '../../http/parse-body';
import { NamedResourceAdminService, versionFields } from '../named-resource-admin.service';
import {
  SECRET_DESTINATION,
  SECRET_FIELDS,
  type ServiceAccountInput,
  serviceAccountInputSchema,
} from './service-account.schema';

type ServiceAccountType = ServiceAccountInput['type'];

/** Service accounts: non-secret settings in the clear, the secret fields sealed together. */
@Injectable()
export class ServiceAccountAdminService extends NamedResourceAdminService<ServiceAccountEntity> {
  constructor(
    repository: ServiceAccountRepository,
    private readonly vault: Vault,
    private readonly changes: CredentialChangePublisher,
  ) {
    super(repository, 'service account');
  }

  /** A gateway may have cached the credential this account injected. */
  protected override async afterWrite(): Promise<void> {
    await this.changes.allChanged();
  }

  view(row: ServiceAccountEntity): object {
    return {
      id: row.id,
      name: row.name,
      type: row.type,
      description: row.description,
      ...row.settings,
      secret_set: true,
      ...versionFields(row),
    };
  }

  protected editable(row: ServiceAccountEntity): Record<string, unknown> {
    return { name: row.name, type: row.type, description: row.description, ...row.settings };
  }

  protected toValues(
    body: unknown,
    current: ServiceAccountEntity | null,
  ): DeepPartial<ServiceAccountEntity> {
    const { name, type, description, ...rest } = parseBody(serviceAccountInputSchema, body);
    const secretNames = SECRET_FIELDS[type];
    const given: Record<string, string> = {};
    const settings: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (secretNames.includes(key)) {
        given[key] = value as string;
      } else if (value !== undefined) {
        settings[key] = value;
      }
    }
    const id = current?.id ?? randomUUID();
    return {
      id,
      name,
      type,
      description,
      settings,
      secretSealed: this.sealed(id, type, given, settings, current),
    };
  }

  private sealed(
    id: string,
    type: ServiceAccountType,
    given: Record<string, string>,
    settings: Record<string, unknown>,
    current: ServiceAccountEntity | null,
  ): string {
    const secretNames = SECRET_FIELDS[type];
    if (secretNames.every((field) => given[field] !== undefined)) {
      const plaintext = JSON.stringify(given);
      if (Buffer.byteLength(plaintext) > Vault.MAX_PLAINTEXT_BYTES) {
        throw invalid(secretNames.map((field) => ({ field, message: 'is too large to store' })));
      }
      return this.vault.seal(plaintext, serviceAccountSecretBinding(id, type));
    }
    const missing = secretNames
      .filter((field) => given[field] === undefined)
      .map((field) => ({ field, message: 'is required' }));
    // Absent secret on update: keep the stored one, unless the type or where it is sent changed.
    if (current === null || current.type !== type) {
      throw invalid(missing);
    }
    const redirected = SECRET_DESTINATION[type].filter(
      (field) => JSON.stringify(current.settings[field]) !== JSON.stringify(settings[field]),
    );
    if (redirected.length > 0) {
      throw invalid(
        missing.map((m) => ({
          field: m.field,
          message: `must be given again when ${redirected.join(', ')} change`,
        })),
      );
    }
    return current.secretSealed;
  }
}

function invalid(errors: { field: string; message: string }[]): AdminApiError {
  return new AdminApiError('validation_failed', 'the request body is invalid', errors);
}
