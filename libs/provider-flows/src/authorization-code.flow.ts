import type Redis from 'ioredis';
import { createCodeVerifier, randomToken, s256Challenge, sha256Hex, Vault } from '@app/crypto';
import type { ConnectionEntity, ConnectionRepository, ProviderRepository } from '@app/persistence';
import { type CredentialChangePublisher, SingleUseStore } from '@app/redis';
import { pkceVerifierBinding } from '@app/vault';
import { storeConnection } from './connection-writer';
import { OAuthClientError } from './oauth-client.error';
import { resolveProviderClient } from './provider-client';
import type { ProviderMetadataResolver } from './provider-metadata.resolver';
import type { RefreshScheduler } from './refresh-scheduler';
import { providerFetch, USER_AGENT } from './provider-fetch';
import type { TokenEndpointClient, TokenResponse } from './token-endpoint.client';

/** How long a started authorization may take to come back (SPEC-MUST 27/29: at most 10 minutes). */
export const CODE_FLOW_TTL_SECONDS = 600;

/** A code flow waiting for the provider's redirect, keyed by a hash of its state. */
interface PendingCodeAuthorization {
  subject: string;
  providerId: string;
  providerName: string;
  scopes: string[];
  resource?: string;
  redirectUri: string;
  verifierSealed: string;
  expiresAt: number;
  /** The remedy this flow completes (the broker's connect link id), announced on completion. */
  elicitationId?: string;
}

export interface CodeAuthorizationStart {
  authorization_url: string;
  state: string;
  expires_in: number;
}

export interface CodeAuthorizationResult {
  connection: ConnectionEntity;
  providerName: string;
  token: Pick<TokenResponse, 'token_type' | 'expires_in' | 'scope'>;
  /** The provider's user info, when it has a userinfo endpoint that answered. */
  userInfo?: { id?: string; login?: string; name?: string; email?: string };
}

/**
 * Connecting a provider by authorization code + PKCE S256 (RFC 6749 §4.1, RFC 7636, OAuth 2.1):
 * `start` for one user makes a random state (stored hashed, single-use, 10 minutes, bound to the
 * user and provider) and the PKCE verifier (sealed), and returns the provider's authorization URL;
 * `complete` takes the state back exactly once, only for the same user, exchanges the code
 * (with `resource` when the provider uses one) and stores the connection sealed.
 */
export class AuthorizationCodeFlow {
  private readonly pendingByState: SingleUseStore<PendingCodeAuthorization>;

  constructor(
    redis: Redis,
    keyPrefix: string,
    private readonly providers: ProviderRepository,
    private readonly connections: ConnectionRepository,
    private readonly vault: Vault,
    private readonly client: TokenEndpointClient,
    private readonly changes: CredentialChangePublisher,
    private readonly resolver?: ProviderMetadataResolver,
    private readonly scheduler?: RefreshScheduler,
  ) {
    // The state is a bearer secret: stored under its hash, so reading Redis yields no usable state.
    this.pendingByState = new SingleUseStore(redis, {
      keyPrefix: `${keyPrefix}code-auth:`,
      ttlSeconds: CODE_FLOW_TTL_SECONDS,
      hashIds: true,
    });
  }

  async start(
    subject: string,
    providerName: string,
    scopes: string[],
    redirectUri: string,
    now = Date.now(),
    elicitationId?: string,
  ): Promise<CodeAuthorizationStart> {
    const row = await this.providers.findByName(providerName);
    if (!row) {
      throw new OAuthClientError(
        'unknown_provider',
        `provider "${providerName}" is not configured`,
      );
    }
    const provider = await resolveProviderClient(row, this.vault, this.resolver);
    const endpoint = provider.endpoints.authorization_endpoint;
    if (
      !provider.oauthEnabled ||
      endpoint === undefined ||
      provider.endpoints.token_endpoint === undefined
    ) {
      throw new OAuthClientError(
        'not_allowed',
        `provider "${providerName}" does not allow the authorization-code flow`,
      );
    }
    const requested = scopes.length > 0 ? scopes : defaultScopes(row.settings);
    const state = randomToken(32);
    const verifier = createCodeVerifier();
    const pending: PendingCodeAuthorization = {
      subject,
      providerId: row.id,
      providerName,
      scopes: requested,
      ...(provider.resource === undefined ? {} : { resource: provider.resource }),
      redirectUri,
      verifierSealed: this.vault.seal(verifier, pkceVerifierBinding(sha256Hex(state), row.id)),
      expiresAt: now + CODE_FLOW_TTL_SECONDS * 1000,
      ...(elicitationId === undefined ? {} : { elicitationId }),
    };
    await this.pendingByState.put(state, pending);
    const url = new URL(endpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', provider.auth.id);
    url.searchParams.set('redirect_uri', redirectUri);
    if (requested.length > 0) {
      url.searchParams.set('scope', requested.join(' '));
    }
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', s256Challenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    if (provider.resource !== undefined) {
      url.searchParams.set('resource', provider.resource);
    }
    return { authorization_url: url.href, state, expires_in: CODE_FLOW_TTL_SECONDS };
  }

  /**
   * @throws OAuthClientError `invalid_state` (unknown, expired or used state), `wrong_user` (the
   *   state belongs to someone else: it stays usable by its owner), or the provider's error.
   */
  async complete(
    subject: string,
    state: string,
    code: string,
    now = Date.now(),
  ): Promise<CodeAuthorizationResult> {
    if (typeof state !== 'string' || state.length === 0 || state.length > 512) {
      throw new OAuthClientError('invalid_state', 'unknown or expired state');
    }
    const peek = await this.pendingByState.peek(state);
    if (peek === null) {
      throw new OAuthClientError('invalid_state', 'unknown, expired or already used state');
    }
    // Checked before taking, so someone else's callback leaves the state usable by its owner.
    if (peek.subject !== subject) {
      throw new OAuthClientError('wrong_user', 'this authorization was started by another user');
    }
    // Single use: only the caller that takes it goes on.
    const pending = await this.pendingByState.take(state);
    if (pending === null) {
      throw new OAuthClientError('invalid_state', 'unknown, expired or already used state');
    }
    if (pending.expiresAt <= now) {
      throw new OAuthClientError('invalid_state', 'the authorization expired');
    }
    const row = await this.providers.findById(pending.providerId);
    if (!row) {
      throw new OAuthClientError('bad_response', 'the provider was removed');
    }
    const provider = await resolveProviderClient(row, this.vault, this.resolver);
    const tokenEndpoint = provider.endpoints.token_endpoint;
    if (tokenEndpoint === undefined) {
      throw new OAuthClientError('bad_response', 'the provider has no token endpoint');
    }
    const verifier = this.vault.open(
      pending.verifierSealed,
      pkceVerifierBinding(sha256Hex(state), row.id),
    );
    const token = await this.client.request(
      tokenEndpoint,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: pending.redirectUri,
        code_verifier: verifier,
        ...(pending.resource === undefined ? {} : { resource: pending.resource }),
      },
      provider.auth,
    );
    const connection = await storeConnection(
      this.connections,
      this.vault,
      {
        subject,
        providerId: row.id,
        requestedScopes: pending.scopes,
        ...(pending.resource === undefined ? {} : { resource: pending.resource }),
      },
      token,
      now,
    );
    await this.scheduler?.scheduleNext(connection);
    // The gateways drop what they cached for this user (a missing or narrower connection), then
    // wake a client waiting on this remedy (issue 9 §2: the remedy's id — the connect link the
    // gateway named as the elicitation — or, for a flow started without one, the state).
    await this.changes.connectionCompleted({
      subject,
      provider: pending.providerName,
      elicitation_id: pending.elicitationId ?? state,
    });
    const userInfo =
      provider.endpoints.userinfo_endpoint === undefined
        ? undefined
        : await fetchUserInfo(provider.endpoints.userinfo_endpoint, token.access_token);
    return {
      connection,
      providerName: pending.providerName,
      token: { token_type: token.token_type, expires_in: token.expires_in, scope: token.scope },
      ...(userInfo === undefined ? {} : { userInfo }),
    };
  }
}

function defaultScopes(settings: Record<string, unknown>): string[] {
  const scopes = settings.default_scopes ?? settings.scopes;
  return Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [];
}

const fetchUserInfoAnswer = providerFetch({ timeoutMs: 5000, maxBytes: 64 * 1024 });

/**
 * Best effort: the connection is stored whatever this answers. Not oauth4webapi's
 * `processUserInfoResponse`: it requires an OIDC `sub`, and GitHub's `/user` has only `id`.
 */
async function fetchUserInfo(
  endpoint: string,
  accessToken: string,
): Promise<CodeAuthorizationResult['userInfo']> {
  try {
    const response = await fetchUserInfoAnswer(endpoint, {
      method: 'GET',
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: 'application/json',
        'user-agent': USER_AGENT,
      },
      body: undefined,
      redirect: 'manual',
    });
    if (!response.ok) {
      return undefined;
    }
    const body = (await response.json()) as Record<string, unknown>;
    const text = (value: unknown) =>
      typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
    return {
      id: text(body.id) ?? text(body.sub),
      login: text(body.login) ?? text(body.preferred_username),
      name: text(body.name),
      email: text(body.email),
    };
  } catch {
    return undefined;
  }
}
