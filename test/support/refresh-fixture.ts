import type { DataSource } from 'typeorm';
import type { Vault } from '@app/crypto';
import { type ConnectionEntity, ConnectionRepository, ProviderRepository } from '@app/persistence';
import { connectionTokenBinding, providerSecretBinding } from '@app/vault';

/** Registers an `oauth2` provider whose token endpoint is `tokenUrl` (a MockTokenEndpoint). */
export async function seedRefreshProvider(
  ds: DataSource,
  vault: Vault,
  tokenUrl: string,
  name = 'mock',
): Promise<string> {
  const id = crypto.randomUUID();
  await new ProviderRepository(ds).create(
    {
      id,
      name,
      kind: 'oauth2',
      clientId: 'client',
      clientSecretSealed: vault.seal('secret', providerSecretBinding(id)),
      settings: { token_endpoint: tokenUrl, authorization_endpoint: `${tokenUrl}/authorize` },
    },
    { actor: 'test' },
  );
  return id;
}

/** A connection holding `tokens` (sealed as the broker would), its access token expiring in `expiresInMs`. */
export function seedConnection(
  ds: DataSource,
  vault: Vault,
  providerId: string,
  subject: string,
  tokens: { access_token: string; refresh_token: string | null },
  expiresInMs: number | null,
  issuedAt = new Date(),
): Promise<ConnectionEntity> {
  return new ConnectionRepository(ds).upsert(subject, providerId, {
    seal: (id) => ({
      accessTokenSealed: vault.seal(
        tokens.access_token,
        connectionTokenBinding(id, providerId, 'access_token'),
      ),
      refreshTokenSealed:
        tokens.refresh_token === null
          ? null
          : vault.seal(
              tokens.refresh_token,
              connectionTokenBinding(id, providerId, 'refresh_token'),
            ),
    }),
    tokenType: 'Bearer',
    scopes: ['repo'],
    expiresAt: expiresInMs === null ? null : new Date(issuedAt.getTime() + expiresInMs),
    issuedAt,
    resource: null,
  });
}

/** The refresh token stored on a connection, opened. */
export function storedRefreshToken(vault: Vault, connection: ConnectionEntity): string | null {
  return connection.refreshTokenSealed === null
    ? null
    : vault.open(
        connection.refreshTokenSealed,
        connectionTokenBinding(connection.id, connection.providerId, 'refresh_token'),
      );
}
