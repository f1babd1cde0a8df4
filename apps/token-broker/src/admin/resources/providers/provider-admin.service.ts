import { Injectable } from '@nestjs/common';
import type { DeepPartial } from 'typeorm';
import { Vault } from '@app/crypto';
import { type ProviderEntity, ProviderRepository } from '@app/persistence';
import { providerSecretBinding } from '@app/vault';
import { parseBody } from '../../http/parse-body';
import { NamedResourceAdminService } from '../named-resource-admin.service';
import { presetEndpoints, type ProviderKind } from './provider.presets';
import { providerInputSchema } from './provider.schema';

const ENDPOINTS = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'device_authorization_endpoint',
  'userinfo_endpoint',
  'revocation_endpoint',
] as const;

/** Provider configurations: presets fill endpoints; the client secret is sealed and write-only. */
@Injectable()
export class ProviderAdminService extends NamedResourceAdminService<ProviderEntity> {
  constructor(
    repository: ProviderRepository,
    private readonly vault: Vault,
  ) {
    super(repository, 'provider');
  }

  view(row: ProviderEntity): object {
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      client_id: row.clientId,
      client_secret_set: row.clientSecretSealed !== null,
      ...row.settings,
      row_version: row.rowVersion,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
    };
  }

  protected editable(row: ProviderEntity): Record<string, unknown> {
    return { name: row.name, kind: row.kind, client_id: row.clientId, ...row.settings };
  }

  protected toValues(body: unknown, current: ProviderEntity | null): DeepPartial<ProviderEntity> {
    const { name, kind, client_id, client_secret, tenant, ...rest } = parseBody(
      providerInputSchema,
      body,
    );
    const preset = presetEndpoints(kind as ProviderKind, tenant ?? 'common');
    const settings: Record<string, unknown> = {
      ...rest,
      ...(tenant !== undefined ? { tenant } : {}),
    };
    for (const endpoint of ENDPOINTS) {
      settings[endpoint] = rest[endpoint] ?? preset[endpoint];
      if (settings[endpoint] === undefined) {
        delete settings[endpoint];
      }
    }
    return {
      name,
      kind,
      clientId: client_id,
      clientSecretSealed: this.secret(client_secret, name, current),
      settings,
    };
  }

  /** Sealed to the provider's name: a sealed secret copied to another provider row will not open. */
  private secret(
    input: string | null | undefined,
    name: string,
    current: ProviderEntity | null,
  ): string | null {
    if (input === null) {
      return null;
    }
    if (input !== undefined) {
      return this.vault.seal(input, providerSecretBinding(name));
    }
    if (current?.clientSecretSealed && current.name !== name) {
      // Renamed: re-seal under the new binding.
      const plain = this.vault.open(
        current.clientSecretSealed,
        providerSecretBinding(current.name),
      );
      return this.vault.seal(plain, providerSecretBinding(name));
    }
    return current?.clientSecretSealed ?? null;
  }
}
