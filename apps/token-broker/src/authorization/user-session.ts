import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomToken, Vault } from '@app/crypto';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions, SingleUseStore } from '@app/redis';
import {
  clearedCookie,
  type CookieToSet,
  type RequestCookies,
  SignedCookie,
} from './signed-cookie';

export const USER_SESSION_COOKIE = '__Host-mcpgw-user';
/** A browser signed in to the broker's own pages (connections) stays so this long. */
export const USER_SESSION_MAX_AGE_SECONDS = 8 * 3600;

/**
 * Who the browser is on the broker's own pages (connect a provider, list and revoke connections):
 * set whenever the user logs in at the upstream IdP, through an MCP client's sign-in or directly.
 * A signed `__Host-` cookie holding the user id and a random session id; the session itself is a
 * record in Redis (under a hash of the id), so sign-out ends it for every copy of the cookie.
 */
@Injectable()
export class UserSessions {
  private readonly cookie: SignedCookie<{ sub: string; sid: string }>;
  private readonly records: SingleUseStore<string>;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(REDIS_OPTIONS) redisOptions: RedisModuleOptions,
    vault: Vault,
  ) {
    this.cookie = new SignedCookie(
      'user-session',
      vault.deriveKeys('user-session'),
      USER_SESSION_MAX_AGE_SECONDS,
    );
    this.records = new SingleUseStore(redis, {
      keyPrefix: `${redisOptions.keyPrefix}user-session:`,
      ttlSeconds: USER_SESSION_MAX_AGE_SECONDS,
      hashIds: true,
    });
  }

  /** Starts a session for the user; the cookie that carries it. */
  async start(userId: string, now = Date.now()): Promise<CookieToSet> {
    const sid = randomToken(32);
    await this.records.put(sid, userId);
    return this.cookie.issue(USER_SESSION_COOKIE, { sub: userId, sid }, now);
  }

  /** The signed-in user: a valid cookie whose session has not ended. */
  async userId(cookies: RequestCookies, now = Date.now()): Promise<string | undefined> {
    return (await this.current(cookies, now))?.user;
  }

  /**
   * The signed-in user and the session's id (forms bind their CSRF token to the session, so a
   * token seen once is worth nothing after sign-out); undefined when signed out.
   */
  async current(
    cookies: RequestCookies,
    now = Date.now(),
  ): Promise<{ user: string; session: string } | undefined> {
    const session = this.read(cookies, now);
    if (session === undefined || (await this.records.peek(session.sid)) !== session.sub) {
      return undefined;
    }
    return { user: session.sub, session: session.sid };
  }

  /** Ends the browser's session (every copy of its cookie); the cookie that clears it. */
  async end(cookies: RequestCookies): Promise<CookieToSet> {
    const session = this.read(cookies);
    if (session !== undefined) {
      await this.records.delete(session.sid);
    }
    return clearedCookie(USER_SESSION_COOKIE);
  }

  private read(
    cookies: RequestCookies,
    now = Date.now(),
  ): { sub: string; sid: string } | undefined {
    const value = this.cookie.read(cookies, USER_SESSION_COOKIE, now);
    return typeof value?.sub === 'string' && typeof value.sid === 'string' ? value : undefined;
  }
}
