import { setTimeout as pause } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Vault } from '@app/crypto';
import type {
  ConnectionEntity,
  ConnectionRefreshRepository,
  ProviderRepository,
  RefreshedTokens,
  RefreshLease,
} from '@app/persistence';
import type { CredentialChangePublisher } from '@app/redis';
import { connectionTokenBinding } from '@app/vault';
import { parseScopes } from './connection-writer';
import { OAuthClientError } from './oauth-client.error';
import { type ProviderClient, resolveProviderClient } from './provider-client';
import { ProviderClientCache } from './provider-client.cache';
import type { ProviderMetadataResolver } from './provider-metadata.resolver';
import type { RefreshScheduler } from './refresh-scheduler';
import type { TokenEndpointClient, TokenResponse } from './token-endpoint.client';

export type RefreshOutcome =
  /** New tokens stored (generation bumped) and the next refresh scheduled. */
  | { state: 'refreshed'; connection: ConnectionEntity }
  /** Nothing to do: not due yet, or someone else refreshed since `seenGeneration`. */
  | { state: 'current'; connection: ConnectionEntity }
  /** Another refresher holds the lease until `until`. */
  | { state: 'busy'; until: Date }
  /** The provider refused the refresh token for good: the connection is now `needs_reauth`. */
  | { state: 'needs_reauth'; reason: string; providerId: string }
  /** Transient (network, 429, 5xx, discovery, a lost lease): try again later. */
  | { state: 'retry'; reason: string; providerId: string }
  /** The provider cannot refresh at all (no token endpoint, client refused, grant unsupported). */
  | { state: 'unusable'; reason: string; providerId: string }
  /** Connection removed, revoked, already needs re-auth, or holds no refresh token. */
  | { state: 'gone'; reason: string };

export interface RefreshRequest {
  /** Refresh even if not due (the upstream refused the token: issue 10 §2 reactive refresh). */
  force?: boolean;
  /** The generation the caller saw; another generation means someone else refreshed already. */
  seenGeneration?: number;
}

const REFRESH_GRANT = 'refresh_token';
const STORE_RETRY_FIRST_MS = 100;
const STORE_RETRY_MAX_MS = 1000;

/**
 * One refresh of a connection's tokens (RFC 6749 §6), single flight across every worker and
 * broker replica: the lease on the row (ConnectionRefreshRepository.claim) is taken before the
 * provider is called, and the rotated tokens are written only by the lease holder at the
 * generation it read. A provider that rotates refresh tokens strictly therefore never sees the
 * same refresh token twice from us — except after a crash between its answer and our write,
 * which nobody can save: the next attempt gets `invalid_grant` and the connection becomes
 * `needs_reauth` (never `active` with a dead refresh token).
 *
 * Failures: `invalid_grant` (and any other refusal of the grant) → needs_reauth, the refresh token
 * dropped; 429, 5xx, network → retry (the lease released, the failure counted); a provider that
 * cannot refresh (`invalid_client`, `unsupported_grant_type`, no token endpoint) → unusable.
 * The RFC 8707 `resource` the grant was obtained for is sent again. The provider's opened client is
 * kept per provider row version (ProviderClientCache): no provider query per refresh. A provider that answers
 * without a new refresh token leaves the current one in place (§6: it MAY issue a new one).
 */
export class RefreshConnectionUseCase {
  private readonly clients: ProviderClientCache;

  constructor(
    private readonly refreshes: ConnectionRefreshRepository,
    providers: ProviderRepository,
    private readonly vault: Vault,
    private readonly client: TokenEndpointClient,
    private readonly scheduler: RefreshScheduler,
    private readonly changes: CredentialChangePublisher,
    private readonly leaseMs: number,
    private readonly logger: Logger,
    resolver?: ProviderMetadataResolver,
  ) {
    this.clients = new ProviderClientCache(
      (id) => providers.findById(id),
      (row) => resolveProviderClient(row, vault, resolver),
    );
  }

  async execute(connectionId: string, request: RefreshRequest = {}): Promise<RefreshOutcome> {
    const lease = await this.refreshes.claim(connectionId, this.leaseMs);
    if (lease === null) {
      return { state: 'gone', reason: 'the connection was removed' };
    }
    if (lease === 'busy') {
      const current = await this.refreshes.findById(connectionId);
      return { state: 'busy', until: current?.refreshLeaseUntil ?? new Date() };
    }
    try {
      return await this.refreshHeld(lease, request);
    } catch (error) {
      // Postgres or Redis failed under us: the lease is given back if it can be, else it expires.
      await this.refreshes.release(lease).catch(() => undefined);
      throw error;
    }
  }

  private async refreshHeld(lease: RefreshLease, request: RefreshRequest): Promise<RefreshOutcome> {
    const connection = lease.connection;
    if (connection.status !== 'active' || connection.refreshTokenSealed === null) {
      await this.refreshes.release(lease);
      return { state: 'gone', reason: `the connection is ${connection.status} without a refresh` };
    }
    const window = this.window(connection);
    const moved =
      request.seenGeneration !== undefined &&
      request.seenGeneration !== connection.refreshGeneration;
    if (moved || (request.force !== true && window !== null && Date.now() < window.earliestAt)) {
      await this.refreshes.release(lease);
      return { state: 'current', connection };
    }
    let client: ProviderClient | null;
    try {
      client =
        lease.providerVersion === null
          ? null
          : await this.clients.get(connection.providerId, lease.providerVersion);
    } catch (error) {
      return error instanceof OAuthClientError
        ? this.fail(lease, 'retry', `provider discovery failed: ${error.message}`)
        : this.fail(lease, 'unusable', 'the provider client secret cannot be opened');
    }
    if (client === null) {
      await this.refreshes.release(lease);
      return { state: 'gone', reason: 'the provider was removed' };
    }
    const endpoint = client.endpoints.token_endpoint;
    if (endpoint === undefined) {
      return this.fail(lease, 'unusable', 'the provider has no token endpoint');
    }
    let refreshToken: string;
    try {
      refreshToken = this.vault.open(
        connection.refreshTokenSealed,
        connectionTokenBinding(connection.id, connection.providerId, 'refresh_token'),
      );
    } catch {
      // A vault key removed too early: no retry will open it; the user must connect again.
      return this.fail(lease, 'needs_reauth', 'the stored refresh token cannot be opened');
    }
    let token: TokenResponse;
    try {
      token = await this.client.request(
        endpoint,
        {
          grant_type: REFRESH_GRANT,
          refresh_token: refreshToken,
          ...(connection.resource === null ? {} : { resource: connection.resource }),
        },
        client.auth,
      );
    } catch (error) {
      if (error instanceof OAuthClientError) {
        return this.fail(lease, failureKind(error), error.oauthError ?? error.message);
      }
      throw error;
    }
    return this.storeAnswer(lease, token, request.force === true);
  }

  private async storeAnswer(
    lease: RefreshLease,
    token: TokenResponse,
    forced: boolean,
  ): Promise<RefreshOutcome> {
    const connection = lease.connection;
    const issuedAt = new Date();
    const stored = await this.storeWithinLease(lease, {
      seal: (id) => ({
        accessTokenSealed: this.vault.seal(
          token.access_token,
          connectionTokenBinding(id, connection.providerId, 'access_token'),
        ),
        refreshTokenSealed:
          token.refresh_token === undefined
            ? null
            : this.vault.seal(
                token.refresh_token,
                connectionTokenBinding(id, connection.providerId, 'refresh_token'),
              ),
      }),
      tokenType: token.token_type,
      scopes:
        token.scope === undefined
          ? connection.scopes
          : [...new Set([...connection.scopes, ...parseScopes(token.scope)])],
      expiresAt:
        token.expires_in === undefined
          ? null
          : new Date(issuedAt.getTime() + token.expires_in * 1000),
      issuedAt,
    });
    if (stored === null) {
      // Our lease expired and someone else took it (or the user reconnected, or revoked): the
      // tokens we obtained are dropped, the row is whatever the newer writer left.
      this.logger.error(
        { connection_id: connection.id, generation: connection.refreshGeneration },
        'refreshed tokens not stored: the lease or the generation moved on',
      );
      return {
        state: 'retry',
        reason: 'the refresh lease was lost before the write',
        providerId: connection.providerId,
      };
    }
    await this.scheduler.scheduleNext(stored);
    if (forced) {
      // The gateways drop the access token the upstream refused.
      await this.changes.subjectChanged(stored.subject);
    }
    return { state: 'refreshed', connection: stored };
  }

  /**
   * The provider has rotated: the new tokens exist only in this process. A Postgres blip at this
   * moment must not burn the user's grant (the next attempt would present the spent refresh token
   * and get invalid_grant), so the write is retried while the lease is ours; after it the
   * compare-and-swap would refuse the write anyway.
   */
  private async storeWithinLease(
    lease: RefreshLease,
    tokens: RefreshedTokens,
  ): Promise<ConnectionEntity | null> {
    for (let waitMs = STORE_RETRY_FIRST_MS; ; waitMs = Math.min(2 * waitMs, STORE_RETRY_MAX_MS)) {
      try {
        return await this.refreshes.store(lease, tokens);
      } catch (error) {
        if (Date.now() + waitMs >= lease.until.getTime()) {
          throw error;
        }
        this.logger.warn(
          // The message only: a failed query's error carries its parameters (sealed tokens).
          { connection_id: lease.connection.id, err: { message: (error as Error).message } },
          'refreshed tokens not stored yet: retrying the write while the lease holds',
        );
        await pause(waitMs);
      }
    }
  }

  private window(connection: ConnectionEntity) {
    return this.scheduler.window(connection);
  }

  private async fail(
    lease: RefreshLease,
    kind: 'needs_reauth' | 'retry' | 'unusable',
    reason: string,
  ): Promise<RefreshOutcome> {
    await this.refreshes.release(lease, { reason, needsReauth: kind === 'needs_reauth' });
    if (kind === 'needs_reauth') {
      await this.changes.subjectChanged(lease.connection.subject).catch(() => false);
    }
    return { state: kind, reason, providerId: lease.connection.providerId };
  }
}

const TRANSIENT_OAUTH_ERRORS = new Set(['temporarily_unavailable', 'server_error', 'slow_down']);
const PROVIDER_REFUSALS = new Set([
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
]);

/** What a failed refresh means (issue 10 §2): see {@link RefreshConnectionUseCase}. */
export function failureKind(error: OAuthClientError): 'needs_reauth' | 'retry' | 'unusable' {
  if (error.code !== 'oauth_error') {
    // unreachable, bad_response (a 502 page, a 429 without JSON): the provider may answer later.
    return 'retry';
  }
  const status = error.status ?? 400;
  if (status === 429 || status >= 500 || TRANSIENT_OAUTH_ERRORS.has(error.oauthError ?? '')) {
    return 'retry';
  }
  return PROVIDER_REFUSALS.has(error.oauthError ?? '') ? 'unusable' : 'needs_reauth';
}
