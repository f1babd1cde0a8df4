import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { Vault } from '@app/crypto';
import type { Remedy } from '@app/gateway-contract';
import { LOGGER } from '@app/observability';
import { ConnectionRepository, ProviderRepository } from '@app/persistence';
import type { ConnectionAuthMethod } from '@app/policy-engine';
import { OAuthClientError, StartDeviceAuthorizationUseCase } from '@app/provider-flows';
import { connectionTokenBinding } from '@app/vault';
import { ConnectRequestStore } from '../../connect/connect-requests.store';
import type { InjectedCredential } from './service-account-credential.usecase';

export type ConnectionAnswer =
  | { kind: 'credential'; credential: InjectedCredential }
  | { kind: 'auth_required'; remedy: Remedy }
  | { kind: 'unavailable'; reason: string };

// A token this close to expiry is not handed out: the upstream call could outlive it.
const EXPIRY_MARGIN_MS = 30_000;

/**
 * The user's own credential for a provider (`oauth` / `device_code` policies): the connection's
 * access token when it is active, unexpired and covers the scopes; otherwise the remedy.
 * Device code: a fresh device authorization whose poll the workers run. Authorization code +
 * PKCE: a link to the broker's /connect/start/{id} page, which only the same user can complete.
 */
@Injectable()
export class ConnectionCredentialUseCase {
  constructor(
    private readonly providers: ProviderRepository,
    private readonly connections: ConnectionRepository,
    private readonly vault: Vault,
    private readonly startDevice: StartDeviceAuthorizationUseCase,
    private readonly connectRequests: ConnectRequestStore,
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(
    subject: string,
    method: ConnectionAuthMethod,
    now = Date.now(),
  ): Promise<ConnectionAnswer> {
    try {
      return await this.answer(subject, method, now);
    } catch (error) {
      // A token that will not open (vault key removed too early), Redis or the queue down: the
      // gateway gets "unavailable"; the detail goes to the log with ids only.
      this.logger.error(
        { err: error, provider: method.provider },
        'connection credential unavailable',
      );
      const reason =
        error instanceof OAuthClientError
          ? error.message
          : 'the credential cannot be obtained right now; see the broker log';
      return { kind: 'unavailable', reason };
    }
  }

  private async answer(
    subject: string,
    method: ConnectionAuthMethod,
    now: number,
  ): Promise<ConnectionAnswer> {
    const provider = await this.providers.findByName(method.provider);
    if (!provider) {
      return { kind: 'unavailable', reason: `provider "${method.provider}" is not configured` };
    }
    const connection = await this.connections.find(subject, provider.id);
    const usable =
      connection !== null &&
      connection.status === 'active' &&
      (connection.expiresAt === null || connection.expiresAt.getTime() - EXPIRY_MARGIN_MS > now) &&
      method.scopes.every((scope) => connection.scopes.includes(scope));
    if (usable) {
      const token = this.vault.open(
        connection.accessTokenSealed,
        connectionTokenBinding(connection.id, provider.id, 'access_token'),
      );
      return {
        kind: 'credential',
        credential: {
          headers: { authorization: `Bearer ${token}` },
          expiresAt: connection.expiresAt,
          identity: {
            kind: 'connection',
            id: connection.id,
            generation: connection.refreshGeneration,
          },
        },
      };
    }
    const scopes = [...new Set([...method.scopes, ...(connection?.scopes ?? [])])];
    if (method.type === 'oauth') {
      if (provider.settings.oauth_enabled === false) {
        return {
          kind: 'unavailable',
          reason: `provider "${method.provider}" does not allow the authorization-code flow`,
        };
      }
      const request = await this.connectRequests.create({
        subject,
        provider: method.provider,
        scopes,
      });
      return {
        kind: 'auth_required',
        remedy: {
          auth_type: 'oauth',
          provider: method.provider,
          authorization_url: `${this.config.BROKER_PUBLIC_URL}/connect/start/${request.id}`,
          state: request.id,
          expires_in: request.expiresIn,
        },
      };
    }
    return {
      kind: 'auth_required',
      remedy: {
        auth_type: 'device_code',
        provider: method.provider,
        ...(await this.startDevice.execute(subject, method.provider, scopes, now)),
      },
    };
  }
}
