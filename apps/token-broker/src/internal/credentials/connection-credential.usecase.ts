import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { Vault } from '@app/crypto';
import type { Remedy } from '@app/gateway-contract';
import { LOGGER } from '@app/observability';
import { type ConnectionEntity, ConnectionRepository, ProviderRepository } from '@app/persistence';
import type { ConnectionAuthMethod } from '@app/policy-engine';
import { OAuthClientError, StartDeviceAuthorizationUseCase } from '@app/provider-flows';
import { connectionTokenBinding } from '@app/vault';
import { ConnectRequestStore } from '../../connect/connect-requests.store';
import { InternalApiError } from '../http/internal-api.error';
import { isFresh } from './expiry-margin';
import { type FreshConnection, OnDemandRefresh } from './on-demand-refresh';
import type { InjectedCredential } from './service-account-credential.usecase';

export type ConnectionAnswer =
  | { kind: 'credential'; credential: InjectedCredential }
  | { kind: 'auth_required'; remedy: Remedy }
  | { kind: 'unavailable'; reason: string };

/** The gateway's forced refresh: the upstream refused the token of this connection generation. */
export interface RefreshOf {
  id: string;
  generation: number;
  /** The upstream refused even the refreshed token: only a new authorization can help. */
  reauthorize?: boolean;
}

/**
 * The user's own credential for a provider (`oauth` / `device_code` policies): the connection's
 * access token when it is active, unexpired and covers the scopes — refreshed first when it is
 * expired or close to it (on-demand-refresh.ts), or when the gateway says the upstream refused it
 * (`refreshOf`); otherwise the remedy. Only a refresh refused for good becomes the remedy.
 * Device code: a fresh device authorization whose poll the workers run. Authorization code +
 * PKCE: a link to the broker's /connect/start/{id} page, which only the same user can complete.
 */
@Injectable()
export class ConnectionCredentialUseCase {
  constructor(
    private readonly providers: ProviderRepository,
    private readonly connections: ConnectionRepository,
    private readonly vault: Vault,
    private readonly onDemand: OnDemandRefresh,
    private readonly startDevice: StartDeviceAuthorizationUseCase,
    private readonly connectRequests: ConnectRequestStore,
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(
    subject: string,
    method: ConnectionAuthMethod,
    now = Date.now(),
    refreshOf?: RefreshOf,
  ): Promise<ConnectionAnswer> {
    try {
      return await this.answer(subject, method, now, refreshOf);
    } catch (error) {
      if (error instanceof InternalApiError) {
        throw error;
      }
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
    refreshOf: RefreshOf | undefined,
  ): Promise<ConnectionAnswer> {
    const provider = await this.providers.findByName(method.provider);
    if (!provider) {
      return { kind: 'unavailable', reason: `provider "${method.provider}" is not configured` };
    }
    const connection = await this.connections.find(subject, provider.id);
    if (refreshOf !== undefined && connection?.id !== refreshOf.id) {
      // Only the principal's own connection for this provider: no probing of other ids.
      throw new InternalApiError('not_found', `connection ${refreshOf.id} does not exist`);
    }
    const fresh = await this.fresh(connection, method, now, refreshOf);
    if (fresh.state === 'unavailable') {
      return { kind: 'unavailable', reason: fresh.reason };
    }
    if (fresh.state === 'usable') {
      const usable = fresh.connection;
      const token = this.vault.open(
        usable.accessTokenSealed,
        connectionTokenBinding(usable.id, provider.id, 'access_token'),
      );
      return {
        kind: 'credential',
        credential: {
          headers: { authorization: `Bearer ${token}` },
          expiresAt: usable.expiresAt,
          identity: { kind: 'connection', id: usable.id, generation: usable.refreshGeneration },
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

  /** The connection whose token may be handed out, after a refresh when one is due. */
  private async fresh(
    connection: ConnectionEntity | null,
    method: ConnectionAuthMethod,
    now: number,
    refreshOf: RefreshOf | undefined,
  ): Promise<FreshConnection> {
    if (
      connection === null ||
      connection.status !== 'active' ||
      !method.scopes.every((scope) => connection.scopes.includes(scope)) ||
      refreshOf?.reauthorize === true
    ) {
      return { state: 'failed', reason: 'no usable connection' };
    }
    // The upstream refused exactly this generation; a newer one was refreshed by someone else.
    const refused = refreshOf?.generation === connection.refreshGeneration;
    if (!refused && isFresh(connection, now)) {
      return { state: 'usable', connection };
    }
    if (connection.refreshTokenSealed === null) {
      return { state: 'failed', reason: 'the token expired and cannot be refreshed' };
    }
    const stillValid =
      !refused && (connection.expiresAt === null || connection.expiresAt.getTime() > now);
    return this.onDemand.execute(connection, stillValid, {
      provider: method.provider,
      source: refreshOf === undefined ? 'on_demand' : 'forced',
    });
  }
}
