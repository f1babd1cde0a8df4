import { Vault } from '@app/crypto';
import type { ConnectionRepository, ProviderRepository } from '@app/persistence';
import { connectionTokenBinding, deviceCodeBinding } from '@app/vault';
import type { DeviceAuthorizationStore } from './device-authorization.store';
import { OAuthClientError } from './oauth-client.error';
import { providerClient } from './provider-client';
import type { TokenEndpointClient } from './token-endpoint.client';

export type DevicePollOutcome =
  | { state: 'pending'; retryAfterMs: number }
  | { state: 'connected'; connectionId: string }
  | { state: 'denied' | 'expired' | 'gone' | 'failed'; reason: string };

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * One poll of a pending device authorization (RFC 8628 §3.4–3.5): on success the tokens become
 * the user's connection (sealed, bound to it); `authorization_pending` waits `interval`;
 * `slow_down` adds 5 s to it for this and later polls; `access_denied` and `expired_token` stop.
 * The caller (a BullMQ processor) re-queues while the answer is `pending`.
 */
export class PollDeviceAuthorizationUseCase {
  constructor(
    private readonly providers: ProviderRepository,
    private readonly connections: ConnectionRepository,
    private readonly vault: Vault,
    private readonly client: TokenEndpointClient,
    private readonly store: DeviceAuthorizationStore,
  ) {}

  async execute(pendingId: string, now = Date.now()): Promise<DevicePollOutcome> {
    const pending = await this.store.get(pendingId);
    if (!pending) {
      return {
        state: 'gone',
        reason: 'no pending authorization (completed, expired or never started)',
      };
    }
    if (now >= pending.expiresAt) {
      await this.store.delete(pendingId);
      return { state: 'expired', reason: 'the device code expired' };
    }
    const row = await this.providers.findById(pending.providerId);
    if (!row) {
      await this.store.delete(pendingId);
      return { state: 'failed', reason: 'the provider was removed' };
    }
    const provider = providerClient(row, this.vault);
    const deviceCode = this.vault.open(
      pending.deviceCodeSealed,
      deviceCodeBinding(pendingId, row.id),
    );
    try {
      const token = await this.client.request(
        provider.endpoints.token_endpoint as string,
        { grant_type: DEVICE_GRANT, device_code: deviceCode },
        provider.auth,
      );
      const connection = await this.connections.upsert(pending.subject, row.id, {
        seal: (id) => ({
          accessTokenSealed: this.vault.seal(
            token.access_token,
            connectionTokenBinding(id, row.id, 'access_token'),
          ),
          refreshTokenSealed:
            token.refresh_token === undefined
              ? null
              : this.vault.seal(
                  token.refresh_token,
                  connectionTokenBinding(id, row.id, 'refresh_token'),
                ),
        }),
        tokenType: token.token_type,
        scopes: token.scope !== undefined ? token.scope.split(' ').filter(Boolean) : pending.scopes,
        expiresAt: new Date(now + token.expires_in * 1000),
      });
      await this.store.delete(pendingId);
      return { state: 'connected', connectionId: connection.id };
    } catch (error) {
      if (!(error instanceof OAuthClientError)) {
        throw error;
      }
      return this.onError(pendingId, pending, error, now);
    }
  }

  private async onError(
    pendingId: string,
    pending: NonNullable<Awaited<ReturnType<DeviceAuthorizationStore['get']>>>,
    error: OAuthClientError,
    now: number,
  ): Promise<DevicePollOutcome> {
    switch (error.oauthError ?? '') {
      case 'authorization_pending':
        return { state: 'pending', retryAfterMs: pending.interval * 1000 };
      case 'slow_down': {
        const slower = { ...pending, interval: pending.interval + 5 };
        await this.store.save(pendingId, slower, now);
        return { state: 'pending', retryAfterMs: slower.interval * 1000 };
      }
      case 'access_denied':
        await this.store.delete(pendingId);
        return { state: 'denied', reason: 'the user denied the request' };
      case 'expired_token':
        await this.store.delete(pendingId);
        return { state: 'expired', reason: 'the device code expired' };
      default:
        if (error.code === 'oauth_error') {
          await this.store.delete(pendingId);
          return { state: 'failed', reason: error.message };
        }
        // Unreachable or garbled answer: transient, try again at the normal pace.
        return { state: 'pending', retryAfterMs: pending.interval * 1000 };
    }
  }
}
