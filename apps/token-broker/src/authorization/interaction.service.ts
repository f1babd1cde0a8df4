import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { constantTimeEqual, randomToken, Vault } from '@app/crypto';
import { LOGGER } from '@app/observability';
import { ConsentRepository, UserRepository, type UserRecord } from '@app/persistence';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';
import { AuthorizationServer, INTERACTION_PATH } from './authorization-server';
import { ConsentCookies, CsrfTokens } from './consent-cookie';
import { DEMO_IDP_PATH } from './demo-idp';
import { defaultGatewayResource } from '@app/gateway-contract';
import { PAGE_HEADERS, renderConsentPage, renderMessagePage } from './pages';
import { ADMIN_SCOPES, MCP_SCOPES } from '@app/gateway-contract';
import { OIDC_SCOPES } from './scopes';
import { loginStateBinding } from '@app/vault';
import { UpstreamLoginClient } from './upstream-login.client';
import { readCookie } from './signed-cookie';
import { UserSessions } from './user-session';

export const LOGIN_CALLBACK_PATH = '/login/callback';
/** Upstream `state` lives at most this long and is deleted on first use (SPEC-MUST 27). */
const LOGIN_STATE_TTL_SECONDS = 600;

type Details = Awaited<ReturnType<AuthorizationServer['provider']['interactionDetails']>>;

/** An upstream login in flight: for an MCP client's sign-in (interaction) or for our own pages. */
type PendingLogin = { codeVerifier: string; nonce: string; maxAge?: number } & (
  | {
      kind: 'interaction';
      uid: string;
      clientId: string;
      /** The user answered the consent page in this sign-in (not just a consent cookie). */
      consented: boolean;
    }
  | {
      kind: 'session';
      returnTo: string;
      /** SHA-256 of the value of the login-binding cookie set on the browser that started it. */
      binding: string;
    }
);

/** Ties a login for the broker's own pages to the browser that started it (login CSRF). */
const LOGIN_BINDING_COOKIE = '__Host-mcpgw-login';
/** Set by sign-out: the next login in this browser must authenticate at the IdP again. */
export const SIGNED_OUT_COOKIE = '__Host-mcpgw-signed-out';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const SUPPORTED_SCOPES = new Set([...Object.keys(MCP_SCOPES), ...Object.keys(OIDC_SCOPES)]);

/**
 * Our side of the authorization request (the engine hands over at /interaction/:uid):
 * 1. consent page for this client (skipped while the browser's consent cookie, or the signed-in
 *    user's stored consent, covers the request) — before anything is sent to the upstream IdP;
 * 2. login at the upstream IdP (code + PKCE, random single-use state kept server side ≤ 10 min);
 * 3. the grant, then back to the engine, which redirects to the client with the code and `iss`.
 */
@Injectable()
export class InteractionService {
  private readonly consentCookies: ConsentCookies;
  private readonly csrf: CsrfTokens;
  private readonly upstream: UpstreamLoginClient | undefined;
  private readonly users: UserRepository;
  private readonly consents: ConsentRepository;
  private readonly adminEmails: Set<string>;
  readonly sessions: UserSessions;

  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_OPTIONS) private readonly redisOptions: RedisModuleOptions,
    private readonly server: AuthorizationServer,
    dataSource: DataSource,
    private readonly vault: Vault,
  ) {
    this.consentCookies = new ConsentCookies(vault.deriveKeys('consent-cookie'));
    this.csrf = new CsrfTokens(vault.deriveKeys('csrf'));
    this.sessions = new UserSessions(vault.deriveKeys('user-session'));
    this.users = new UserRepository(dataSource);
    this.consents = new ConsentRepository(dataSource);
    this.upstream = UpstreamLoginClient.fromConfig(
      config,
      config.DEMO_IDP_ENABLED ? `${config.BROKER_PUBLIC_URL}${DEMO_IDP_PATH}` : undefined,
      `${config.BROKER_PUBLIC_URL}${LOGIN_CALLBACK_PATH}`,
    );
    this.adminEmails = new Set(
      config.AS_ADMIN_EMAILS.split(',')
        .map((email) => email.trim().toLowerCase())
        .filter((email) => email !== ''),
    );
  }

  /** GET /interaction/:uid */
  async show(request: FastifyRequest, reply: FastifyReply, uid: string): Promise<void> {
    const details = await this.details(request, reply, uid);
    if (details === undefined) {
      return;
    }
    const request_ = await this.describe(details);
    const forceConsent = promptValues(details).has('consent');
    if (details.prompt.name === 'login') {
      if (
        !forceConsent &&
        this.consentCookies.covers(request.headers.cookie, request_.clientId, request_.scopes)
      ) {
        return this.startUpstreamLogin(reply, details, request_.clientId, false);
      }
      return this.renderConsent(reply, details, request_, undefined);
    }
    if (details.prompt.name === 'consent') {
      const accountId = details.session?.accountId;
      const user = accountId === undefined ? undefined : await this.users.findById(accountId);
      if (user === undefined) {
        return this.fail(reply, 'login_required', 'the session has no user');
      }
      const remembered = await this.consents.scopesFor(user.id, request_.clientId);
      const wanted = this.allowedScopes(user, request_.scopes);
      if (!forceConsent && wanted.every((scope) => remembered.includes(scope))) {
        return this.finish(reply, details, user, request_);
      }
      return this.renderConsent(reply, details, request_, user.email ?? user.name ?? undefined);
    }
    return this.fail(reply, 'interaction_required', 'unsupported prompt');
  }

  /** POST /interaction/:uid/consent */
  async decide(
    request: FastifyRequest,
    reply: FastifyReply,
    uid: string,
    form: URLSearchParams,
  ): Promise<void> {
    const details = await this.details(request, reply, uid);
    if (details === undefined) {
      return;
    }
    if (!this.sameOrigin(request) || !this.csrf.verify(details.uid, form.get('csrf'))) {
      return this.page(
        reply,
        403,
        'Request refused',
        'The form was not submitted from this page. Go back to your application and start again.',
      );
    }
    const decision = form.get('decision');
    if (decision !== 'allow') {
      return this.fail(reply, 'access_denied', 'the user denied the request');
    }
    const described = await this.describe(details);
    void reply.header(
      'set-cookie',
      this.consentCookies.issue(described.clientId, described.scopes),
    );
    if (details.prompt.name === 'login') {
      return this.startUpstreamLogin(reply, details, described.clientId, true);
    }
    const accountId = details.session?.accountId;
    const user = accountId === undefined ? undefined : await this.users.findById(accountId);
    if (user === undefined) {
      return this.fail(reply, 'login_required', 'the session has no user');
    }
    return this.finish(reply, details, user, described);
  }

  /**
   * GET /login/callback: the upstream IdP sends the browser back here. A login for our own pages
   * completes here; a login for an MCP client's sign-in continues at
   * /interaction/{uid}/callback, the only path the engine's interaction cookie is sent to.
   */
  async callback(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const url = new URL(request.url, this.config.BROKER_PUBLIC_URL);
    const state = url.searchParams.get('state');
    const pending = state === null ? null : await this.peekPendingLogin(state);
    if (state === null || pending === null) {
      return this.expired(reply);
    }
    if (pending.kind === 'interaction') {
      return this.redirect(reply, `${INTERACTION_PATH}/${pending.uid}/callback${url.search}`);
    }
    const binding = readCookie(request.headers.cookie, LOGIN_BINDING_COOKIE);
    if (binding === undefined || !constantTimeEqual(sha256(binding), pending.binding)) {
      return this.page(
        reply,
        400,
        'Sign-in expired',
        'This sign-in was started in another browser. Start again from the page you wanted.',
      );
    }
    if ((await this.takePendingLogin(state)) === null) {
      return this.expired(reply);
    }
    void reply.header('set-cookie', [this.clearLoginBinding()]);
    const user = await this.upstreamIdentity(url, state, pending);
    if (user === undefined) {
      return this.page(
        reply,
        400,
        'Sign-in failed',
        'The login at the identity provider did not complete. Try again.',
      );
    }
    void reply.header('set-cookie', [
      this.clearLoginBinding(),
      clearCookie(SIGNED_OUT_COOKIE),
      this.sessions.issue(user.id),
    ]);
    this.logger.info({ user_id: user.id }, 'user logged in to the broker pages');
    return this.redirect(reply, pending.returnTo);
  }

  /** GET /interaction/{uid}/callback: the IdP's answer for an MCP client's sign-in. */
  async completeLogin(request: FastifyRequest, reply: FastifyReply, uid: string): Promise<void> {
    const query = new URL(request.url, this.config.BROKER_PUBLIC_URL).search;
    // What the IdP redirected to, exactly (openid-client checks it and derives redirect_uri).
    const url = new URL(`${LOGIN_CALLBACK_PATH}${query}`, this.config.BROKER_PUBLIC_URL);
    const state = url.searchParams.get('state');
    const details = await this.details(request, reply, uid);
    if (details === undefined) {
      return;
    }
    const pending = state === null ? null : await this.peekPendingLogin(state);
    if (state === null || pending === null) {
      return this.expired(reply);
    }
    if (
      pending.kind !== 'interaction' ||
      pending.uid !== details.uid ||
      details.params.client_id !== pending.clientId
    ) {
      return this.page(
        reply,
        400,
        'Sign-in expired',
        'This sign-in was started in another browser. Go back to your application and start again.',
      );
    }
    // Single use: only the request that deletes the state goes on.
    if ((await this.takePendingLogin(state)) === null) {
      return this.expired(reply);
    }
    const user = await this.upstreamIdentity(url, state, pending);
    if (user === undefined) {
      return this.fail(reply, 'access_denied', 'login at the identity provider failed');
    }
    // The same browser is now signed in to the broker's own pages (connections) too.
    void reply.header('set-cookie', [clearCookie(SIGNED_OUT_COOKIE), this.sessions.issue(user.id)]);
    const described = await this.describe(details);
    this.logger.info({ user_id: user.id, client_id: described.clientId }, 'user logged in');
    if (!pending.consented) {
      // Consent came from this browser's cookie, possibly given by someone else: unless this user
      // allowed this client before, hand back the login only, so the engine asks for consent.
      const remembered = await this.consents.scopesFor(user.id, described.clientId);
      if (!this.allowedScopes(user, described.scopes).every((s) => remembered.includes(s))) {
        return this.loginOnly(reply, user);
      }
    }
    return this.finish(reply, details, user, described);
  }

  private clearLoginBinding(): string {
    return clearCookie(LOGIN_BINDING_COOKIE);
  }

  /** Hands back the login only: the engine then asks for this user's consent (our page). */
  private async loginOnly(reply: FastifyReply, user: UserRecord): Promise<void> {
    const target = await this.server.provider.interactionResult(
      reply.request.raw,
      reply.raw,
      { login: { accountId: user.id } },
      { mergeWithLastSubmission: false },
    );
    return this.redirect(reply, target);
  }

  private expired(reply: FastifyReply): void {
    this.page(
      reply,
      400,
      'Sign-in expired',
      'This sign-in link has expired or was already used. Go back to your application and start again.',
    );
  }

  /**
   * Sends the browser to the upstream IdP to sign in to the broker's own pages, then back to
   * `returnTo` (a path on this server).
   */
  async startSessionLogin(reply: FastifyReply, returnTo: string): Promise<void> {
    if (this.upstream === undefined || !returnTo.startsWith('/') || returnTo.startsWith('//')) {
      return this.page(
        reply,
        503,
        'Sign-in unavailable',
        'Login is not configured on this gateway.',
      );
    }
    const state = randomToken(32);
    const forceLogin = signedOut(reply);
    let start;
    try {
      start = await this.upstream.start(state, { forceLogin });
    } catch (error) {
      this.logUpstreamError(error, 'upstream login unavailable');
      return this.page(
        reply,
        503,
        'Sign-in unavailable',
        'The identity provider could not be reached. Try again later.',
      );
    }
    const binding = randomToken(32);
    const pending: PendingLogin = {
      kind: 'session',
      returnTo,
      binding: sha256(binding),
      ...(forceLogin ? { maxAge: 0 } : {}),
      codeVerifier: start.codeVerifier,
      nonce: start.nonce,
    };
    void reply.header(
      'set-cookie',
      `${LOGIN_BINDING_COOKIE}=${binding}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${LOGIN_STATE_TTL_SECONDS}`,
    );
    await this.savePendingLogin(state, pending);
    return this.redirect(reply, start.url.href);
  }

  /** The user the IdP vouches for (created or updated), or undefined when the login failed. */
  private async upstreamIdentity(
    url: URL,
    state: string,
    pending: PendingLogin,
  ): Promise<UserRecord | undefined> {
    if (this.upstream === undefined) {
      return undefined;
    }
    try {
      const identity = await this.upstream.finish(url, {
        state,
        codeVerifier: pending.codeVerifier,
        nonce: pending.nonce,
        ...(pending.maxAge === undefined ? {} : { maxAge: pending.maxAge }),
      });
      return await this.users.upsertLogin(identity.issuer, identity.subject, {
        email: identity.email,
        emailVerified: identity.emailVerified,
        name: identity.name,
      });
    } catch (error) {
      this.logUpstreamError(error, 'upstream login failed');
      return undefined;
    }
  }

  private logUpstreamError(error: unknown, message: string): void {
    this.logger.warn(
      {
        err: {
          name: (error as Error).name,
          message: (error as Error).message,
          cause: causeName(error),
        },
      },
      message,
    );
  }

  private async startUpstreamLogin(
    reply: FastifyReply,
    details: Details,
    clientId: string,
    consented: boolean,
  ): Promise<void> {
    if (this.upstream === undefined) {
      return this.fail(reply, 'temporarily_unavailable', 'login is not configured on this gateway');
    }
    const state = randomToken(32);
    const requested = loginOptions(details);
    const forceLogin = requested.forceLogin || signedOut(reply);
    // What the IdP's answer must prove: a fresh login when forced, else the client's max_age.
    const maxAge = forceLogin ? 0 : requested.maxAge;
    const options = { forceLogin, ...(maxAge === undefined ? {} : { maxAge }) };
    let start;
    try {
      start = await this.upstream.start(state, options);
    } catch (error) {
      this.logUpstreamError(error, 'upstream login unavailable');
      return this.fail(
        reply,
        'temporarily_unavailable',
        'the identity provider could not be reached',
      );
    }
    const pending: PendingLogin = {
      kind: 'interaction',
      uid: details.uid,
      clientId,
      consented,
      codeVerifier: start.codeVerifier,
      nonce: start.nonce,
      ...(maxAge === undefined ? {} : { maxAge }),
    };
    await this.savePendingLogin(state, pending);
    return this.redirect(reply, start.url.href);
  }

  private async peekPendingLogin(state: string): Promise<PendingLogin | null> {
    if (state.length > 256) {
      return null;
    }
    return this.openPendingLogin(state, await this.redis.get(this.stateKey(state)));
  }

  private async takePendingLogin(state: string): Promise<PendingLogin | null> {
    if (state.length > 256) {
      return null;
    }
    return this.openPendingLogin(state, await this.redis.getdel(this.stateKey(state)));
  }

  /** Kept sealed (it holds the PKCE verifier and nonce), under a hash of the state. */
  private async savePendingLogin(state: string, pending: PendingLogin): Promise<void> {
    const sealed = this.vault.seal(JSON.stringify(pending), loginStateBinding(sha256(state)));
    await this.redis.set(this.stateKey(state), sealed, 'EX', LOGIN_STATE_TTL_SECONDS);
  }

  private openPendingLogin(state: string, raw: string | null): PendingLogin | null {
    return raw === null
      ? null
      : this.vault.openJson<PendingLogin>(raw, loginStateBinding(sha256(state)));
  }

  private stateKey(state: string): string {
    return `${this.redisOptions.keyPrefix}as-login:${sha256(state)}`;
  }

  /** Grants what the user may have, remembers the consent, and hands back to the engine. */
  private async finish(
    reply: FastifyReply,
    details: Details,
    user: UserRecord,
    described: DescribedRequest,
  ): Promise<void> {
    const provider = this.server.provider;
    const scopes = this.allowedScopes(user, described.scopes);
    if (scopes.length !== described.scopes.length) {
      // Refused rather than silently narrowed: the engine would keep asking for the missing scope.
      return this.fail(
        reply,
        'invalid_scope',
        'the mcp:admin scopes are granted to administrators only',
      );
    }
    await this.consents.grant(user.id, described.clientId, scopes);
    const existing =
      details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId);
    const grant =
      existing !== undefined && existing.accountId === user.id
        ? existing
        : new provider.Grant({ accountId: user.id, clientId: described.clientId });
    // The engine checks every requested scope against the grant's OIDC scope (our MCP scopes are
    // in its scope list); an access token carries the resource scopes granted for its audience.
    const mcpScopes = scopes.filter((scope) => scope in MCP_SCOPES);
    if (scopes.length > 0) {
      grant.addOIDCScope(scopes.join(' '));
    }
    const missingClaims = (details.prompt.details as { missingOIDCClaims?: string[] })
      .missingOIDCClaims;
    if (missingClaims !== undefined && missingClaims.length > 0) {
      grant.addOIDCClaims(missingClaims);
    }
    if (mcpScopes.length > 0) {
      for (const resource of described.resources) {
        grant.addResourceScope(resource, mcpScopes.join(' '));
      }
    }
    const grantId = await grant.save();
    const target = await provider.interactionResult(
      request(reply),
      reply.raw,
      { login: { accountId: user.id }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
    return this.redirect(reply, target);
  }

  /** Ends the authorization request with an OAuth error sent to the client (with `iss`). */
  private async fail(reply: FastifyReply, error: string, description: string): Promise<void> {
    const target = await this.server.provider.interactionResult(
      request(reply),
      reply.raw,
      { error, error_description: description },
      { mergeWithLastSubmission: false },
    );
    return this.redirect(reply, target);
  }

  private async details(
    request: FastifyRequest,
    reply: FastifyReply,
    uid: string,
  ): Promise<Details | undefined> {
    try {
      const details = await this.server.provider.interactionDetails(request.raw, reply.raw);
      if (details.uid !== uid) {
        this.page(
          reply,
          400,
          'Sign-in expired',
          'This sign-in page does not belong to the sign-in in progress. Go back to your application and start again.',
        );
        return undefined;
      }
      return details;
    } catch {
      this.page(
        reply,
        400,
        'Sign-in expired',
        'This sign-in has expired or was opened in another browser. Go back to your application and start again.',
      );
      return undefined;
    }
  }

  private async describe(details: Details): Promise<DescribedRequest> {
    const params = details.params as Record<string, unknown>;
    const clientId = String(params.client_id);
    const client = await this.server.provider.Client.find(clientId);
    const requested = String(params.scope ?? '')
      .split(' ')
      .filter((scope) => SUPPORTED_SCOPES.has(scope));
    const resourceParam = params.resource;
    const resources =
      resourceParam === undefined
        ? [defaultGatewayResource(this.config.GATEWAY_PUBLIC_URL)]
        : ([] as string[]).concat(resourceParam as string | string[]);
    const redirectUri = String(params.redirect_uri ?? '');
    let redirectHost = redirectUri;
    let loopbackRedirect = false;
    try {
      const parsed = new URL(redirectUri);
      redirectHost = parsed.host === '' ? parsed.protocol : parsed.host;
      loopbackRedirect = LOOPBACK.has(parsed.hostname);
    } catch {
      // the engine validated it already; shown as given
    }
    return {
      clientId,
      clientName: typeof client?.clientName === 'string' ? client.clientName : undefined,
      clientSource: /^https:\/\//.test(clientId) ? 'metadata_document' : 'registered',
      scopes: [...new Set(requested)],
      resources,
      redirectHost,
      loopbackRedirect,
    };
  }

  private renderConsent(
    reply: FastifyReply,
    details: Details,
    described: DescribedRequest,
    userLabel: string | undefined,
  ): void {
    void reply
      .code(200)
      .headers(PAGE_HEADERS)
      .send(
        renderConsentPage({
          action: `${INTERACTION_PATH}/${details.uid}/consent`,
          csrfToken: this.csrf.issue(details.uid),
          clientId: described.clientId,
          clientName: described.clientName,
          clientSource: described.clientSource,
          redirectHost: described.redirectHost,
          loopbackRedirect: described.loopbackRedirect,
          scopes: described.scopes,
          resources: described.resources,
          userLabel,
        }),
      );
  }

  /** Admin scopes only for users listed in AS_ADMIN_EMAILS. */
  private allowedScopes(user: UserRecord, scopes: string[]): string[] {
    // Only an email the IdP verified counts: anyone can type an administrator's address.
    const admin =
      user.email !== null && user.emailVerified && this.adminEmails.has(user.email.toLowerCase());
    return scopes.filter((scope) => admin || !ADMIN_SCOPES.has(scope));
  }

  /**
   * A form post from our own page: Origin is ours, or absent (not a browser), or `null` from a
   * browser that says the request is same-origin (Fetch Metadata). The CSRF token is checked too.
   */
  private sameOrigin(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    if (origin === undefined || origin === new URL(this.config.BROKER_PUBLIC_URL).origin) {
      return true;
    }
    return origin === 'null' && request.headers['sec-fetch-site'] === 'same-origin';
  }

  private page(reply: FastifyReply, status: number, title: string, message: string): void {
    void reply.code(status).headers(PAGE_HEADERS).send(renderMessagePage(title, message));
  }

  private redirect(reply: FastifyReply, location: string): void {
    void reply.code(303).header('location', location).header('cache-control', 'no-store').send();
  }
}

interface DescribedRequest {
  clientId: string;
  clientName: string | undefined;
  clientSource: 'registered' | 'metadata_document';
  scopes: string[];
  resources: string[];
  redirectHost: string;
  loopbackRedirect: boolean;
}

/** The `prompt` values of the authorization request. */
function promptValues(details: Details): Set<string> {
  const prompt = (details.params as Record<string, unknown>).prompt;
  return new Set(typeof prompt === 'string' ? prompt.split(' ') : []);
}

/** What the client asked of the login: `prompt=login` / `max_age` (OIDC Core §3.1.2.1). */
function loginOptions(details: Details): { forceLogin: boolean; maxAge?: number } {
  const raw = (details.params as Record<string, unknown>).max_age;
  const maxAge = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
  return {
    forceLogin: promptValues(details).has('login') || maxAge === 0,
    ...(maxAge === undefined ? {} : { maxAge }),
  };
}

function clearCookie(name: string): string {
  return `${name}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`;
}

/** Whether this browser signed out of the broker since its last login. */
function signedOut(reply: FastifyReply): boolean {
  return readCookie(reply.request.headers.cookie, SIGNED_OUT_COOKIE) !== undefined;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function request(reply: FastifyReply) {
  return reply.request.raw;
}

function causeName(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : undefined;
}
