import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { constantTimeEqual, randomToken, sha256Hex } from '@app/crypto';
import { LOGGER } from '@app/observability';
import { type UserRecord, UserRepository } from '@app/persistence';
import { messagePage, type PageOutcome, redirectTo } from '../public/http/page-outcome';
import { DEMO_IDP_PATH } from './demo-idp';
import { clearedCookie, pageCookie, type RequestCookies } from './signed-cookie';
import { UpstreamLoginClient } from './upstream-login.client';
import {
  LOGIN_STATE_TTL_SECONDS,
  type PendingLogin,
  UpstreamLoginStateStore,
} from './upstream-login-state.store';

export const LOGIN_CALLBACK_PATH = '/login/callback';
/** Ties a login for the broker's own pages to the browser that started it (login CSRF). */
export const LOGIN_BINDING_COOKIE = '__Host-mcpgw-login';
/** Set by sign-out: the next login in this browser must authenticate at the IdP again. */
export const SIGNED_OUT_COOKIE = '__Host-mcpgw-signed-out';
const SIGNED_OUT_MAX_AGE_SECONDS = 86400;

/** Whether this browser signed out of the broker since its last login. */
export function signedOut(cookies: RequestCookies): boolean {
  return cookies[SIGNED_OUT_COOKIE] !== undefined;
}

export const signedOutCookie = () => pageCookie(SIGNED_OUT_COOKIE, '1', SIGNED_OUT_MAX_AGE_SECONDS);
export const clearSignedOutCookie = () => clearedCookie(SIGNED_OUT_COOKIE);
export const clearLoginBindingCookie = () => clearedCookie(LOGIN_BINDING_COOKIE);

/**
 * Logins at the upstream IdP (code + PKCE, random single-use state kept server side ≤ 10 min):
 * started for an MCP client's sign-in or for the broker's own pages, finished into our user.
 */
@Injectable()
export class UpstreamLogins {
  private readonly upstream: UpstreamLoginClient | undefined;

  constructor(
    @Inject(APP_CONFIG) config: TokenBrokerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly states: UpstreamLoginStateStore,
    private readonly users: UserRepository,
  ) {
    this.upstream = UpstreamLoginClient.fromConfig(
      config,
      config.DEMO_IDP_ENABLED ? `${config.BROKER_PUBLIC_URL}${DEMO_IDP_PATH}` : undefined,
      `${config.BROKER_PUBLIC_URL}${LOGIN_CALLBACK_PATH}`,
    );
  }

  /** For an MCP client's sign-in: the IdP URL, or why the login cannot start (an OAuth error). */
  async startForInteraction(
    pending: Omit<Extract<PendingLogin, { kind: 'interaction' }>, 'codeVerifier' | 'nonce'>,
    forceLogin: boolean,
  ): Promise<{ url: string } | { unavailable: string }> {
    if (this.upstream === undefined) {
      return { unavailable: 'login is not configured on this gateway' };
    }
    const state = randomToken(32);
    const { maxAge } = pending;
    let start;
    try {
      start = await this.upstream.start(state, {
        forceLogin,
        ...(maxAge === undefined ? {} : { maxAge }),
      });
    } catch (error) {
      this.logUpstreamError(error, 'upstream login unavailable');
      return { unavailable: 'the identity provider could not be reached' };
    }
    await this.states.save(state, {
      ...pending,
      codeVerifier: start.codeVerifier,
      nonce: start.nonce,
    });
    return { url: start.url.href };
  }

  /**
   * Sends the browser to the upstream IdP to sign in to the broker's own pages, then back to
   * `returnTo` (a path on this server).
   */
  async startForSession(returnTo: string, cookies: RequestCookies): Promise<PageOutcome> {
    if (this.upstream === undefined || !returnTo.startsWith('/') || returnTo.startsWith('//')) {
      return messagePage(503, 'Sign-in unavailable', 'Login is not configured on this gateway.');
    }
    const state = randomToken(32);
    const forceLogin = signedOut(cookies);
    let start;
    try {
      start = await this.upstream.start(state, { forceLogin });
    } catch (error) {
      this.logUpstreamError(error, 'upstream login unavailable');
      return messagePage(
        503,
        'Sign-in unavailable',
        'The identity provider could not be reached. Try again later.',
      );
    }
    const binding = randomToken(32);
    await this.states.save(state, {
      kind: 'session',
      returnTo,
      binding: sha256Hex(binding),
      ...(forceLogin ? { maxAge: 0 } : {}),
      codeVerifier: start.codeVerifier,
      nonce: start.nonce,
    });
    return redirectTo(start.url.href, [
      pageCookie(LOGIN_BINDING_COOKIE, binding, LOGIN_STATE_TTL_SECONDS),
    ]);
  }

  /** Whether the login-binding cookie is the one set on the browser that started `pending`. */
  boundToThisBrowser(pending: Extract<PendingLogin, { kind: 'session' }>, cookies: RequestCookies) {
    const binding = cookies[LOGIN_BINDING_COOKIE];
    return binding !== undefined && constantTimeEqual(sha256Hex(binding), pending.binding);
  }

  /** The user the IdP vouches for (created or updated), or undefined when the login failed. */
  async finish(url: URL, state: string, pending: PendingLogin): Promise<UserRecord | undefined> {
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
    const cause = (error as { cause?: unknown }).cause;
    this.logger.warn(
      {
        err: {
          name: (error as Error).name,
          message: (error as Error).message,
          cause: cause instanceof Error ? `${cause.name}: ${cause.message}` : undefined,
        },
      },
      message,
    );
  }
}
