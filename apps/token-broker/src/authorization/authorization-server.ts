import {
  Inject,
  Injectable,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import type { JWK } from 'jose';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { sha256Hex, Vault } from '@app/crypto';
import { accessTokenIssuer, DEFAULT_SCOPE, MCP_SCOPES } from '@app/gateway-contract';
import { LOGGER } from '@app/observability';
import { OAuthRecordRepository, UserRepository } from '@app/persistence';
import { UpstreamCache } from '@app/upstream-cache';
import { SigningKeyStore } from '@app/vault';
import { dnsLookup, mayFetchClientDocument, validateClientMetadata } from './client-metadata.rules';
import { oauthRecordAdapter, recordKey } from './oauth-record.adapter';
import { RefreshRotationContext } from './refresh-rotation.context';
import { readCookie } from './signed-cookie';
import { PAGE_HEADERS, renderErrorPage, renderLogoutPage, renderMessagePage } from './pages';
import { assertRefreshResource, resourceIndicators } from './resource-indicators';
import { OIDC_SCOPES } from './scopes';

/** Paths the engine answers on the public listener (everything else is ours or Nest's). */
export const ENGINE_ROUTES = {
  authorization: '/authorize',
  token: '/token',
  jwks: '/jwks',
  registration: '/register',
  revocation: '/revoke',
  introspection: '/introspect',
  userinfo: '/userinfo',
  end_session: '/session/end',
} as const;

export const INTERACTION_PATH = '/interaction';

/**
 * How the engine reaches Client ID Metadata Documents: `fetch` (globalThis.fetch by default, given
 * the engine's SSRF-protected dispatcher) and `lookup` (DNS by default) for our own address check.
 * Tests replace both to serve documents from a local server under an https name.
 */
export const AS_OUTBOUND = Symbol('AS_OUTBOUND');
export interface AuthorizationServerOutbound {
  fetch?: typeof fetch;
  lookup?: (host: string) => Promise<string[]>;
}

const KEY_WATCH_INTERVAL_MS = 60_000;
/** The engine's session cookie (its default name). */
const SESSION_COOKIE = '_session';

/**
 * The OAuth 2.1 authorization server MCP clients log in through, on `oidc-provider` (certified
 * OpenID Provider; PKCE S256 only, RFC 9207 `iss`, RFC 8707 resource indicators, RFC 7591 DCR,
 * RFC 7009 revocation, RFC 7662 introspection, Client ID Metadata Documents with SSRF-protected
 * fetching; `/mcp/<name>` resources only for registered upstreams). This class only configures it: storage in Postgres, keys from the SigningKeyStore,
 * our consent and login interactions, JWT access tokens whose audience is the requested resource.
 */
@Injectable()
export class AuthorizationServer implements OnModuleInit, OnModuleDestroy {
  private engine?: Provider;
  private engineCallback?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Key ids the current engine signs and publishes with, the active one first. */
  private engineKids = '';
  private keyWatch?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly records: OAuthRecordRepository,
    private readonly users: UserRepository,
    private readonly signingKeys: SigningKeyStore,
    private readonly vault: Vault,
    private readonly upstreams: UpstreamCache,
    @Optional() @Inject(AS_OUTBOUND) private readonly outbound: AuthorizationServerOutbound = {},
  ) {}

  get issuer(): string {
    return accessTokenIssuer(this.config.BROKER_PUBLIC_URL);
  }

  get provider(): Provider {
    if (this.engine === undefined) {
      throw new Error('authorization server not initialised');
    }
    return this.engine;
  }

  /** The engine's request handler (a Node `(req, res)` listener). */
  handler(): (req: IncomingMessage, res: ServerResponse) => void {
    // Always the current engine: it is rebuilt when the signing keys rotate.
    return (req, res) => this.engineCallback!(req, res);
  }

  async onModuleInit(): Promise<void> {
    await this.reloadIfKeysChanged();
    // Another process (the workers' signing-key rotation job, an operator) may rotate the signing
    // keys: the engine is rebuilt with the new active key within a minute. Clients, grants and
    // sessions live in Postgres, so nothing is lost by the swap. Expired records and unused
    // clients are removed by the workers' cleanup job (once per deployment, not per replica).
    this.keyWatch = setInterval(() => {
      this.reloadIfKeysChanged().catch((error: unknown) =>
        this.logger.warn(
          { err: { message: (error as Error).message } },
          'signing key check failed',
        ),
      );
    }, KEY_WATCH_INTERVAL_MS);
    this.keyWatch.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.keyWatch);
  }

  /**
   * Ends the engine's session of this browser (our own sign-out): the record is deleted, so the
   * next authorization asks for a login again. Returns the `Set-Cookie` values that clear it.
   */
  async endBrowserSession(cookieHeader: string | undefined): Promise<string[]> {
    const value = readCookie(cookieHeader, SESSION_COOKIE);
    if (value !== undefined) {
      await this.records.destroy(recordKey('Session', value));
    }
    return [SESSION_COOKIE, `${SESSION_COOKIE}.sig`].map(
      (name) => `${name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
    );
  }

  /** Rebuilds the engine when the active or previous signing key changed; returns whether it did. */
  async reloadIfKeysChanged(): Promise<boolean> {
    const keys = await this.signingKeys.privateJwks();
    const kids = keys.map((key) => key.kid).join(',');
    if (this.engine !== undefined && kids === this.engineKids) {
      return false;
    }
    const engine = await this.build(keys);
    this.engine = engine;
    this.engineCallback = engine.callback() as (req: IncomingMessage, res: ServerResponse) => void;
    this.engineKids = kids;
    this.logger.info({ kids: keys.map((key) => key.kid) }, 'authorization server keys loaded');
    return true;
  }

  private async build(keys: JWK[]): Promise<Provider> {
    const config = this.config;
    const rotations = new RefreshRotationContext();
    const cookieKeys = this.vault.deriveKeys('as-cookies').map((key) => key.toString('base64url'));

    const configuration: Configuration = {
      adapter: oauthRecordAdapter(this.records, this.vault, {
        reuseWindowSeconds: config.AS_REFRESH_REUSE_WINDOW_SECONDS,
        rotations,
      }),
      jwks: { keys: keys as never },
      routes: ENGINE_ROUTES,
      ...(this.outbound.fetch === undefined ? {} : { fetch: this.outbound.fetch }),
      scopes: [...Object.keys(OIDC_SCOPES), ...Object.keys(MCP_SCOPES)],
      claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
      responseTypes: ['code'],
      clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
      clientDefaults: {
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        // A client that names no method is public (PKCE): Client ID Metadata Documents may not
        // use secrets at all, and DCR clients that want one say so.
        token_endpoint_auth_method: 'none',
        id_token_signed_response_alg: 'ES256',
      },
      enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
      // SPEC-MUST 28 for clients too (DCR and metadata documents alike), and no secret for a
      // public client.
      extraClientMetadata: {
        properties: ['redirect_uris', 'post_logout_redirect_uris'],
        validator: validateClientMetadata,
      },
      // OAuth 2.1: PKCE for every client, and only S256 exists in this engine.
      pkce: { required: () => true },
      // Refresh tokens rotate on every use; a rotated one presented again revokes the grant. The
      // requested resource is checked here, before the engine consumes the presented token.
      rotateRefreshToken: async (ctx) => {
        assertRefreshResource(ctx, config.GATEWAY_PUBLIC_URL, this.upstreams);
        return true;
      },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      // Tokens outlive the browser session at the broker (MCP clients run for days; there is no
      // offline_access to ask for): they end with the grant, its revocation, or their own TTL.
      expiresWithSession: async () => false,
      ttl: {
        AccessToken: config.AS_ACCESS_TOKEN_TTL_SECONDS,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 600,
        Session: 86400,
        Grant: config.AS_REFRESH_TOKEN_TTL_SECONDS,
        RefreshToken: config.AS_REFRESH_TOKEN_TTL_SECONDS,
      },
      cookies: {
        keys: cookieKeys,
        long: { signed: true, httpOnly: true, sameSite: 'lax' },
        short: { signed: true, httpOnly: true, sameSite: 'lax' },
      },
      interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}` },
      findAccount: async (_ctx, sub) => {
        const user = await this.users.findById(sub);
        if (user === undefined) {
          return undefined;
        }
        return {
          accountId: user.id,
          claims: async () => ({
            sub: user.id,
            ...(user.email === null ? {} : { email: user.email }),
            ...(user.name === null ? {} : { name: user.name }),
          }),
        };
      },
      // A browser client may call the token endpoint from the origin of one of its redirect URIs.
      // Never from "null": that is every custom-scheme URI's origin, and also the Origin of
      // sandboxed frames, data: and file: pages, which any web page can produce.
      clientBasedCORS: (_ctx, origin, client) =>
        origin !== 'null' &&
        (client.redirectUris?.some((uri) => safeOrigin(uri) === origin) ?? false),
      renderError: async (ctx, out) => {
        setPageHeaders(ctx);
        ctx.body = renderErrorPage(out.error, out.error_description);
      },
      features: {
        devInteractions: { enabled: false },
        // OIDC RP-initiated logout; also how the engine ends the previous session when another
        // account signs in in the same browser (resume posts to /session/end/confirm).
        rpInitiatedLogout: {
          enabled: true,
          // Our pages (no framing, no third-party fonts) instead of the engine's defaults.
          logoutSource: async (ctx, form) => {
            setPageHeaders(ctx);
            ctx.body = renderLogoutPage(form);
          },
          postLogoutSuccessSource: async (ctx) => {
            setPageHeaders(ctx);
            ctx.body = renderMessagePage('Signed out', 'You are signed out of the gateway.');
          },
        },
        pushedAuthorizationRequests: { enabled: false },
        registration: { enabled: true },
        revocation: { enabled: true },
        userinfo: { enabled: true },
        introspection: {
          enabled: true,
          // RFC 7662 §4: only authenticated (confidential) callers; a client sees its own tokens,
          // a client listed in AS_INTROSPECTION_CLIENTS sees any.
          allowedPolicy: async (_ctx, client, token) =>
            client.clientAuthMethod !== 'none' &&
            (token.clientId === client.clientId ||
              config.AS_INTROSPECTION_CLIENTS.has(client.clientId)),
        },
        resourceIndicators: resourceIndicators(
          config.GATEWAY_PUBLIC_URL,
          config.AS_ACCESS_TOKEN_TTL_SECONDS,
          this.upstreams,
        ),
        // Client ID Metadata Documents: the engine fetches https client ids through a dispatcher
        // that refuses special-use addresses at connect time (also after DNS rebinding), with a
        // 2.5 s timeout, a 5 KiB body limit and an LRU cache honouring Cache-Control.
        // Our own address check runs first (allowFetch), deterministic and testable.
        ...({
          clientIdMetadataDocument: {
            enabled: true,
            ack: 'draft-02',
            allowFetch: (_ctx: unknown, clientId: string) =>
              mayFetchClientDocument(clientId, this.outbound.lookup ?? dnsLookup),
          },
        } as object),
      },
    };

    const provider = new Provider(this.issuer, configuration);
    // forwardToEngine hands the engine the issuer's host and scheme (and strips forwarded headers
    // a caller could send), so its URLs and Secure cookies follow BROKER_PUBLIC_URL exactly.
    provider.proxy = true;
    // A client that names no scope is asked for the default MCP scopes (RFC 6749 §3.3).
    provider.use(async (ctx, next) => {
      if (ctx.path === ENGINE_ROUTES.authorization && ctx.method === 'GET') {
        const scope = ctx.query.scope;
        if (scope === undefined || scope === '') {
          ctx.query = { ...ctx.query, scope: DEFAULT_SCOPE };
        }
      }
      await next();
    });
    // Each token request's rotation is carried from the adapter's consume to its upsert.
    provider.use(async (ctx, next) => {
      if (ctx.path === ENGINE_ROUTES.token) {
        await rotations.run(next);
        return;
      }
      await next();
    });
    provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
      this.logger.error(
        { err: { name: error.name, message: error.message }, route: ctx.oidc?.route },
        'authorization server error',
      );
    });
    for (const event of [
      'grant.error',
      'authorization.error',
      'registration_create.error',
    ] as const) {
      provider.on(
        // One listener shape for the three error events (the typings overload them one by one).
        event as 'grant.error',
        (ctx: KoaContextWithOIDC, error: Error & { error_description?: string }) => {
          this.logger.info(
            {
              oauth_error: error.message,
              description: error.error_description,
              route: ctx.oidc?.route,
            },
            `oauth ${event}`,
          );
        },
      );
    }
    provider.on('grant.revoked', (_ctx: KoaContextWithOIDC, grantId: string) => {
      this.logger.warn({ grant_id_hash: shortHash(grantId) }, 'grant revoked');
    });
    return provider;
  }
}

/** The headers of our HTML pages (no framing, no caching, no scripts) on an engine response. */
function setPageHeaders(ctx: KoaContextWithOIDC): void {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) {
    ctx.set(name, value);
  }
}

function safeOrigin(uri: string): string | undefined {
  const origin = URL.parse(uri)?.origin;
  return origin === 'null' ? undefined : origin;
}

function shortHash(value: string): string {
  return sha256Hex(value).slice(0, 12);
}
