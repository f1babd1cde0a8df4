import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { DeepPartial } from 'typeorm';
import { Vault } from '@app/crypto';
import { type ProviderEntity, ProviderRepository } from '@app/persistence';
import { effectiveEndpoints, type ProviderKind } from '@app/provider-flows';
import { CredentialChangePublisher } from '@app/redis';
import { providerSecretBinding } from '@app/vault';
import { AdminApiError } from '../../http/admin-api.error';
import { parseBody } from '../../http/parse-body';
import { NamedResourceAdminService, versionFields } from '../named-resource-admin.service';
import { providerInputSchema } from './provider.schema';

/** Where the client secret goes: changing any of these without re-entering it is refused. */
const SECRET_DESTINATION = [
  'kind',
  'client_id',
  'tenant',
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'device_authorization_endpoint',
] as const;

/**
 * Provider configurations. Only what the operator wrote is stored; preset endpoints are
 * derived on read. The client secret is sealed (bound to the row id) and write-only.
 */
@Injectable()
export class ProviderAdminService extends NamedResourceAdminService<ProviderEntity> {
  constructor(
    repository: ProviderRepository,
    private readonly vault: Vault,
    private readonly changes: CredentialChangePublisher,
  ) {
    super(repository, 'provider');
  }

  /** A gateway may have cached answers (credentials, remedies) built on the old settings. */
  protected override async afterWrite(): Promise<void> {
    await this.changes.allChanged();
  }

  view(row: ProviderEntity): object {
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      client_id: row.clientId,
      client_secret_set: row.clientSecretSealed !== null,
      ...row.settings,
      ...effectiveEndpoints(row.kind as ProviderKind, row.settings),
      ...versionFields(row),
    };
  }

  protected editable(row: ProviderEntity): Record<string, unknown> {
    return { name: row.name, kind: row.kind, client_id: row.clientId, ...row.settings };
  }

  protected toValues(body: unknown, current: ProviderEntity | null): DeepPartial<ProviderEntity> {
    const { name, kind, client_id, client_secret, ...settings } = parseBody(
      providerInputSchema,
      body,
    );
    const id = current?.id ?? randomUUID();
    let sealed: string | null;
    if (client_secret === null) {
      sealed = null;
    } else if (client_secret !== undefined) {
      sealed = this.vault.seal(client_secret, providerSecretBinding(id));
    } else {
      sealed = current?.clientSecretSealed ?? null;
      if (
        sealed !== null &&
        current !== null &&
        this.destinationChanged(current, { kind, client_id, ...settings })
      ) {
        throw new AdminApiError('validation_failed', 'the request body is invalid', [
          {
            field: 'client_secret',
            message: `must be given again when ${SECRET_DESTINATION.join(', ')} change`,
          },
        ]);
      }
    }
    return { id, name, kind, clientId: client_id, clientSecretSealed: sealed, settings };
  }

  private destinationChanged(current: ProviderEntity, next: Record<string, unknown>): boolean {
    const before: Record<string, unknown> = { ...this.editable(current) };
    return SECRET_DESTINATION.some((field) => before[field] !== next[field]);
  }
}
