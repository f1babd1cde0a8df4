import { Injectable } from '@nestjs/common';
import type { DeepPartial } from 'typeorm';
import { Vault } from '@app/crypto';
import { type ServiceAccountEntity, ServiceAccountRepository } from '@app/persistence';
import { serviceAccountSecretBinding } from '@app/vault';
import { AdminApiError } from '../../http/admin-api.error';
import { parseBody } from '../../http/parse-body';
import { NamedResourceAdminService } from '../named-resource-admin.service';
import { SECRET_FIELDS, serviceAccountInputSchema } from './service-account.schema';

const binding = serviceAccountSecretBinding;

/** Service accounts: non-secret settings in the clear, the secret fields sealed together. */
@Injectable()
export class ServiceAccountAdminService extends NamedResourceAdminService<ServiceAccountEntity> {
  constructor(
    repository: ServiceAccountRepository,
    private readonly vault: Vault,
  ) {
    super(repository, 'service account');
  }

  view(row: ServiceAccountEntity): object {
    return {
      id: row.id,
      name: row.name,
      type: row.type,
      description: row.description,
      ...row.settings,
      secret_set: true,
      row_version: row.rowVersion,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
    };
  }

  protected editable(row: ServiceAccountEntity): Record<string, unknown> {
    return { name: row.name, type: row.type, description: row.description, ...row.settings };
  }

  protected toValues(
    body: unknown,
    current: ServiceAccountEntity | null,
  ): DeepPartial<ServiceAccountEntity> {
    const input = parseBody(serviceAccountInputSchema, body);
    const { name, type, description, ...rest } = input;
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
    return {
      name,
      type,
      description,
      settings,
      secretSealed: this.sealed(given, secretNames, name, type, current),
    };
  }

  private sealed(
    given: Record<string, string>,
    secretNames: readonly string[],
    name: string,
    type: string,
    current: ServiceAccountEntity | null,
  ): string {
    const complete = secretNames.every((field) => given[field] !== undefined);
    if (complete) {
      return this.vault.seal(JSON.stringify(given), binding(name, type));
    }
    // Absent secret on update: keep the stored one, if it belongs to the same type.
    if (current === null || current.type !== type) {
      throw new AdminApiError(
        'validation_failed',
        'the request body is invalid',
        secretNames
          .filter((field) => given[field] === undefined)
          .map((field) => ({ field, message: 'is required' })),
      );
    }
    if (current.name === name) {
      return current.secretSealed;
    }
    return this.vault.seal(
      this.vault.open(current.secretSealed, binding(current.name, current.type)),
      binding(name, type),
    );
  }
}
