import type { Vault } from '@app/crypto';
import type { ConnectionEntity, ConnectionRepository } from '@app/persistence';
import { connectionTokenBinding } from '@app/vault';
import type { TokenResponse } from './token-endpoint.client';

/** RFC 6749 §3.3 says space-separated; GitHub answers with commas. */
export function parseScopes(scope: string): string[] {
  return scope.split(/[\s,]+/).filter(Boolean);
}

/**
 * Stores a provider's token answer as the user's connection: tokens sealed and bound to the
 * connection row, scopes granted plus those asked for (providers spell granted scopes differently,
 * so a connection is recognised as covering the request that created it), expiry only when the
 * provider gave one (GitHub OAuth app tokens do not expire), and the RFC 8707 resource the grant
 * was asked for (sent again on every refresh).
 */
export function storeConnection(
  connections: ConnectionRepository,
  vault: Vault,
  grant: { subject: string; providerId: string; requestedScopes: string[]; resource?: string },
  token: TokenResponse,
  now = Date.now(),
): Promise<ConnectionEntity> {
  const { subject, providerId } = grant;
  const granted = token.scope === undefined ? [] : parseScopes(token.scope);
  return connections.upsert(subject, providerId, {
    seal: (id) => ({
      accessTokenSealed: vault.seal(
        token.access_token,
        connectionTokenBinding(id, providerId, 'access_token'),
      ),
      refreshTokenSealed:
        token.refresh_token === undefined
          ? null
          : vault.seal(
              token.refresh_token,
              connectionTokenBinding(id, providerId, 'refresh_token'),
            ),
    }),
    tokenType: token.token_type,
    scopes: [...new Set([...grant.requestedScopes, ...granted])],
    expiresAt: token.expires_in === undefined ? null : new Date(now + token.expires_in * 1000),
    issuedAt: new Date(now),
    resource: grant.resource ?? null,
  });
}
