import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Vault } from '@app/crypto';
import type { ConnectionView } from '@app/gateway-contract';
import { LOGGER } from '@app/observability';
import { type ConnectionEntity, ConnectionRepository, ProviderRepository } from '@app/persistence';
import {
  ProviderMetadataResolver,
  resolveProviderClient,
  TokenEndpointClient,
} from '@app/provider-flows';
import { CredentialChangePublisher } from '@app/redis';
import { connectionTokenBinding } from '@app/vault';

/**
 * A user's own connections: list them (never their tokens) and revoke one. Revoking marks it
 * revoked, forgets its tokens locally, asks the provider to revoke them too (RFC 7009, best
 * effort: a provider that cannot be reached does not keep the user connected here), and tells
 * the gateways to drop what they cached for the user.
 */
@Injectable()
export class ManageConnectionsUseCase {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly providers: ProviderRepository,
    private readonly vault: Vault,
    private readonly client: TokenEndpointClient,
    private readonly resolver: ProviderMetadataResolver,
    private readonly changes: CredentialChangePublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async list(subject: string): Promise<ConnectionView[]> {
    const rows = await this.connections.listForSubject(subject);
    const names = new Map((await this.providers.list()).map((p) => [p.id, p.name]));
    return rows.map((row) => view(row, names.get(row.providerId) ?? row.providerId));
  }

  /** False when the subject has no such connection (another user's is the same as none). */
  async revoke(subject: string, connectionId: string): Promise<boolean> {
    const row = (await this.connections.listForSubject(subject)).find((c) => c.id === connectionId);
    if (!row) {
      return false;
    }
    await this.revokeAtProvider(row);
    const revoked = await this.connections.revoke(row.id, subject, (id) =>
      this.vault.seal('', connectionTokenBinding(id, row.providerId, 'access_token')),
    );
    if (revoked) {
      // The gateways must stop injecting the token they may have cached.
      await this.changes.subjectChanged(subject);
    }
    return revoked;
  }

  private async revokeAtProvider(row: ConnectionEntity): Promise<void> {
    try {
      const provider = await this.providers.findById(row.providerId);
      if (!provider || row.status === 'revoked') {
        return;
      }
      const client = await resolveProviderClient(provider, this.vault, this.resolver);
      const endpoint = client.endpoints.revocation_endpoint;
      if (endpoint === undefined) {
        return;
      }
      const refresh = row.refreshTokenSealed;
      const [token, hint] =
        refresh !== null
          ? [
              this.vault.open(
                refresh,
                connectionTokenBinding(row.id, row.providerId, 'refresh_token'),
              ),
              'refresh_token',
            ]
          : [
              this.vault.open(
                row.accessTokenSealed,
                connectionTokenBinding(row.id, row.providerId, 'access_token'),
              ),
              'access_token',
            ];
      await this.client.revoke(endpoint, token, hint, client.auth);
    } catch (error) {
      this.logger.warn(
        { err: error, connection_id: row.id },
        'provider-side revocation failed; revoked locally',
      );
    }
  }
}

function view(row: ConnectionEntity, provider: string): ConnectionView {
  return {
    id: row.id,
    provider,
    scopes: row.scopes,
    status: row.status,
    expires_at: row.expiresAt ? row.expiresAt.toISOString() : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
