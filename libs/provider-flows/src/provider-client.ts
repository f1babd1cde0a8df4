import { Vault } from '@app/crypto';
import type { ProviderEntity } from '@app/persistence';
import { providerSecretBinding } from '@app/vault';
import type { ProviderMetadataResolver } from './provider-metadata.resolver';
import type { ClientAuth } from './token-endpoint.client';
import {
  effectiveEndpoints,
  type ProviderEndpoints,
  type ProviderKind,
} from './provider-endpoints';

/** What a flow needs of a provider row: its endpoints and its client authentication. */
export interface ProviderClient {
  endpoints: ProviderEndpoints;
  auth: ClientAuth;
  resource?: string;
  deviceCodeEnabled: boolean;
  oauthEnabled: boolean;
}

export function providerClient(row: ProviderEntity, vault: Vault): ProviderClient {
  const settings = row.settings;
  return {
    endpoints: effectiveEndpoints(row.kind as ProviderKind, settings),
    auth: {
      id: row.clientId,
      secret:
        row.clientSecretSealed === null
          ? undefined
          : vault.open(row.clientSecretSealed, providerSecretBinding(row.id)),
    },
    resource: typeof settings.resource === 'string' ? settings.resource : undefined,
    deviceCodeEnabled: settings.device_code_enabled === true,
    oauthEnabled: settings.oauth_enabled !== false,
  };
}

/**
 * {@link providerClient}, with the endpoints of an `oidc` provider taken from its discovery
 * document (explicit settings still win).
 */
export async function resolveProviderClient(
  row: ProviderEntity,
  vault: Vault,
  resolver?: ProviderMetadataResolver,
): Promise<ProviderClient> {
  const client = providerClient(row, vault);
  const issuer = client.endpoints.issuer;
  if (row.kind !== 'oidc' || resolver === undefined || issuer === undefined) {
    return client;
  }
  return { ...client, endpoints: { ...(await resolver.endpoints(issuer)), ...client.endpoints } };
}
