import { Vault } from '@app/crypto';
import type { ConnectionRepository, ProviderRepository } from '@app/persistence';
import type { CredentialChangePublisher } from '@app/redis';
import { deviceCodeBinding } from '@app/vault';
import { storeConnection } from './connection-writer';
import type {
  DeviceAuthorizationStore,
  PendingDeviceAuthorization,
} from './device-authorization.store';
import { OAuthClientError } from './oauth-client.error';
import { type ProviderClient, resolveProviderClient } from './provider-client';
import type { ProviderMetadataResolver } from './provider-metadata.resolver';
import type { RefreshScheduler } from './refresh-scheduler';
import type { TokenEndpointClient, TokenResponse } from './token-endpoint.client';

export type DevicePollOutcome =
  | { state: 'pending'; retryAfterMs: number }
  | { state: 'connected'; connectionId: string }
  | { state: 'denied' | 'expired' | 'gone' | 'failed'; reason: string };

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const MAX_BACKOFF_MS = 300_000;
// A poll's lease ends slightly before the next poll is due, so a punctual next poll gets it.
const LEASE_SLACK_MS = 250;

/**
 * One poll of a pending device authorization (RFC 8628 §3.4–3.5): on success the tokens become
 * the user's connection (sealed, bound to it); `authorization_pending` waits `interval`;
 * `slow_down` adds 5 s to it for this and later polls; `access_denied` and `expired_token` stop;
 * transport failures back off exponentially. A lease per pending id keeps polls at least
 * `interval` apart whatever the queue does. The caller (a BullMQ processor) re-queues while the
 * answer is `pending`, after `retryAfterMs`.
 */
export class PollDeviceAuthorizationUseCase {
  constructor(
    private readonly providers: ProviderRepository,
    private readonly connections: ConnectionRepository,
    private readonly vault: Vault,
    private readonly client: TokenEndpointClient,
    private readonly store: DeviceAuthorizationStore,
    private readonly changes: CredentialChangePublisher,
    private readonly resolver?: ProviderMetadataResolver,
    private readonly scheduler?: RefreshScheduler,
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
      await this.store.delete(pendingId, pending);
      return { state: 'expired', reason: 'the device code expired' };
    }
    if (!(await this.store.lease(pendingId, pending.interval * 1000 - LEASE_SLACK_MS))) {
      return { state: 'pending', retryAfterMs: pending.interval * 1000 };
    }
    const row = await this.providers.findById(pending.providerId);
    let client: ProviderClient | null;
    try {
      client = row === null ? null : await resolveProviderClient(row, this.vault, this.resolver);
    } catch (error) {
      if (!(error instanceof OAuthClientError)) {
        throw error;
      }
      // Discovery failed: transient as far as we know; try again at the normal pace.
      return { state: 'pending', retryAfterMs: pending.interval * 1000 };
    }
    const tokenEndpoint = client?.endpoints.token_endpoint;
    if (
      row === null ||
      client === null ||
      tokenEndpoint === undefined ||
      row.settings.device_code_enabled !== true
    ) {
      await this.store.delete(pendingId, pending);
      return {
        state: 'failed',
        reason: 'the provider was removed or no longer allows the device flow',
      };
    }
    let token: TokenResponse;
    try {
      const deviceCode = this.vault.open(
        pending.deviceCodeSealed,
        deviceCodeBinding(pendingId, row.id),
      );
      token = await this.client.request(
        tokenEndpoint,
        { grant_type: DEVICE_GRANT, device_code: deviceCode },
        client.auth,
      );
    } catch (error) {
      if (!(error instanceof OAuthClientError)) {
        await this.store.delete(pendingId, pending);
        return {
          state: 'failed',
          reason: 'the device code or the provider secret cannot be opened',
        };
      }
      return this.onError(pendingId, pending, error, now);
    }
    const connection = await storeConnection(
      this.connections,
      this.vault,
      {
        subject: pending.subject,
        providerId: row.id,
        requestedScopes: pending.scopes,
        ...(client.resource === undefined ? {} : { resource: client.resource }),
      },
      token,
      now,
    );
    await this.scheduler?.scheduleNext(connection);
    // The gateways drop what they cached for this user (the remedy it was waiting for is done),
    // and wake a client waiting on it (issue 9 §2: the user code is the elicitation id).
    if (pending.userCode === undefined) {
      await this.changes.subjectChanged(pending.subject);
    } else {
      await this.changes.connectionCompleted({
        subject: pending.subject,
        provider: row.name,
        elicitation_id: pending.userCode,
      });
    }
    await this.store.delete(pendingId, pending);
    return { state: 'connected', connectionId: connection.id };
  }

  private async onError(
    pendingId: string,
    pending: PendingDeviceAuthorization,
    error: OAuthClientError,
    now: number,
  ): Promise<DevicePollOutcome> {
    switch (error.oauthError ?? '') {
      case 'authorization_pending':
        return { state: 'pending', retryAfterMs: pending.interval * 1000 };
      case 'slow_down': {
        const slower = { ...pending, interval: pending.interval + 5 };
        await this.store.update(pendingId, slower, now);
        return { state: 'pending', retryAfterMs: slower.interval * 1000 };
      }
      case 'access_denied':
        await this.store.delete(pendingId, pending);
        return { state: 'denied', reason: 'the user denied the request' };
      case 'expired_token':
        await this.store.delete(pendingId, pending);
        return { state: 'expired', reason: 'the device code expired' };
      default: {
        if (error.code === 'oauth_error') {
          await this.store.delete(pendingId, pending);
          return { state: 'failed', reason: error.message };
        }
        // Unreachable or garbled answer: exponential backoff (RFC 8628 §3.5).
        const failures = (pending.failures ?? 0) + 1;
        await this.store.update(pendingId, { ...pending, failures }, now);
        return {
          state: 'pending',
          retryAfterMs: Math.min(pending.interval * 1000 * 2 ** failures, MAX_BACKOFF_MS),
        };
      }
    }
  }
}
