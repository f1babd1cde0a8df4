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

/**
 * `count` connections of one provider in batched INSERTs (1,000 one-by-one upserts take seconds on
 * a loaded machine). Ids are chosen here because each token is sealed bound to its connection id;
 * `issue(id)` gives the tokens of a connection (the mock's family is the connection id).
 */
export async function seedConnections(
  ds: DataSource,
  vault: Vault,
  providerId: string,
  count: number,
  issue: (id: string) => { access_token: string; refresh_token: string },
  times: { issuedAt: Date; expiresAt: Date },
): Promise<string[]> {
  const ids: string[] = [];
  const BATCH = 250;
  for (let start = 0; start < count; start += BATCH) {
    const values: unknown[] = [];
    const rows: string[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const id = crypto.randomUUID();
      const tokens = issue(id);
      ids.push(id);
      const n = values.length;
      rows.push(
        `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, 'Bearer', '["repo"]', $${n + 6}, $${n + 7}, 'active')`,
      );
      values.push(
        id,
        `seeded-${i}-${id}`,
        providerId,
        vault.seal(tokens.access_token, connectionTokenBinding(id, providerId, 'access_token')),
        vault.seal(tokens.refresh_token, connectionTokenBinding(id, providerId, 'refresh_token')),
        times.expiresAt,
        times.issuedAt,
      );
    }
    await ds.query(
      `INSERT INTO connections (id, subject, provider_id, access_token_sealed, refresh_token_sealed,
         token_type, scopes, expires_at, issued_at, status) VALUES ${rows.join(', ')}`,
      values,
    );
  }
  return ids;
}
