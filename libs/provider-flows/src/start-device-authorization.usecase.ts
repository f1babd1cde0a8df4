import { randomUUID } from 'node:crypto';
import { Vault } from '@app/crypto';
import type { JobProducer } from '@app/jobs';
import type { ProviderRepository } from '@app/persistence';
import { deviceCodeBinding } from '@app/vault';
import type { DeviceAuthorizationStore } from './device-authorization.store';
import { OAuthClientError } from './oauth-client.error';
import { resolveProviderClient } from './provider-client';
import type { ProviderMetadataResolver } from './provider-metadata.resolver';
import { expiresIn, type TokenEndpointClient } from './token-endpoint.client';

/** What the user is told to do (the seed's device-code shape, without the device code). */
export interface DeviceAuthorizationRemedy {
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval: number;
}

const DEFAULT_INTERVAL_S = 5; // RFC 8628 §3.2
const MAX_LIFETIME_S = 1800;
const MAX_INTERVAL_S = 300;

/**
 * RFC 8628 §3.1–3.2 for one user and provider: asks the provider for a device code, keeps it
 * sealed in Redis, queues the first poll (payload: an id only) and returns what to show the user.
 */
export class StartDeviceAuthorizationUseCase {
  constructor(
    private readonly providers: ProviderRepository,
    private readonly vault: Vault,
    private readonly client: TokenEndpointClient,
    private readonly store: DeviceAuthorizationStore,
    private readonly jobs: JobProducer,
    private readonly resolver?: ProviderMetadataResolver,
  ) {}

  async execute(
    subject: string,
    providerName: string,
    scopes: string[],
    now = Date.now(),
  ): Promise<DeviceAuthorizationRemedy> {
    const row = await this.providers.findByName(providerName);
    if (!row) {
      throw new OAuthClientError(
        'unknown_provider',
        `provider "${providerName}" is not configured`,
      );
    }
    // The same user asking again while a code is in flight gets the same code, not a new flow.
    const active = await this.store.getActive<DeviceAuthorizationRemedy>(subject, row.id);
    const reused =
      active !== null && active.expiresAt > now ? await this.store.get(active.pendingId) : null;
    if (active !== null && reused !== null) {
      // Its poll job may have been lost (Redis restored, a queue obliterated): queued again under
      // the same id, which is a no-op while the job lives.
      await this.jobs.enqueueDevicePoll({ pendingId: active.pendingId }, reused.interval * 1000);
      return {
        ...active.remedy,
        expires_in: Math.max(1, Math.floor((active.expiresAt - now) / 1000)),
      };
    }
    const provider = await resolveProviderClient(row, this.vault, this.resolver);
    const endpoint = provider.endpoints.device_authorization_endpoint;
    if (
      !provider.deviceCodeEnabled ||
      endpoint === undefined ||
      provider.endpoints.token_endpoint === undefined
    ) {
      throw new OAuthClientError(
        'not_allowed',
        `provider "${providerName}" does not allow the device flow`,
      );
    }
    const form: Record<string, string> = {};
    if (scopes.length > 0) {
      form.scope = scopes.join(' ');
    }
    if (provider.resource !== undefined) {
      form.resource = provider.resource;
    }
    const answer = await this.client.deviceAuthorization(endpoint, form, provider.auth);
    // Google names it verification_url; RFC 8628 says verification_uri.
    const verificationUri = answer.verification_uri ?? answer.verification_url;
    if (
      typeof answer.device_code !== 'string' ||
      typeof answer.user_code !== 'string' ||
      !isShowableUserCode(answer.user_code) ||
      !isWebUrl(verificationUri)
    ) {
      throw new OAuthClientError(
        'bad_response',
        `${new URL(endpoint).host} answered without a usable device code, user code and verification URI`,
      );
    }
    const lifetime = expiresIn(answer.expires_in, MAX_LIFETIME_S, MAX_LIFETIME_S);
    const interval = expiresIn(answer.interval, DEFAULT_INTERVAL_S, MAX_INTERVAL_S);
    const pendingId = randomUUID();
    await this.store.save(
      pendingId,
      {
        subject,
        providerId: row.id,
        scopes,
        deviceCodeSealed: this.vault.seal(answer.device_code, deviceCodeBinding(pendingId, row.id)),
        interval,
        expiresAt: now + lifetime * 1000,
        userCode: answer.user_code,
      },
      now,
    );
    const remedy: DeviceAuthorizationRemedy = {
      user_code: answer.user_code,
      verification_uri: verificationUri,
      // Optional (RFC 8628 §3.2): one that is not a web URL is left out rather than shown.
      ...(isWebUrl(answer.verification_uri_complete)
        ? { verification_uri_complete: answer.verification_uri_complete }
        : {}),
      expires_in: lifetime,
      interval,
    };
    const expiresAt = now + lifetime * 1000;
    if (!(await this.store.claimActive(subject, row.id, { pendingId, remedy, expiresAt }, now))) {
      // Another call won the race: drop ours (never polled) and show theirs.
      await this.store.delete(pendingId);
      const winner = await this.store.getActive<DeviceAuthorizationRemedy>(subject, row.id);
      if (winner !== null) {
        return winner.remedy;
      }
    }
    await this.jobs.enqueueDevicePoll({ pendingId }, interval * 1000);
    return remedy;
  }
}

/**
 * The user is sent to this address (RFC 8628 §3.2 `verification_uri`): only an http(s) URL is
 * passed on, never `javascript:` or junk a provider might answer.
 */
function isWebUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2048 || !URL.canParse(value)) {
    return false;
  }
  const { protocol } = new URL(value);
  return protocol === 'https:' || protocol === 'http:';
}

/** A code a person types: short, printable, one line (RFC 8628 §6.1 suggests ≤ 8 characters). */
function isShowableUserCode(value: string): boolean {
  return /^[\x21-\x7e ]{1,64}$/.test(value);
}
