import { SignedCookie } from './signed-cookie';

export const USER_SESSION_COOKIE = '__Host-mcpgw-user';
/** A browser signed in to the broker's own pages (connections) stays so this long. */
export const USER_SESSION_MAX_AGE_SECONDS = 8 * 3600;

/**
 * Who the browser is on the broker's own pages (connect a provider, list and revoke connections):
 * set whenever the user logs in at the upstream IdP, through an MCP client's sign-in or directly.
 * A signed `__Host-` cookie holding the user id; the pages check it against the user a pending
 * connection belongs to.
 */
export class UserSessions {
  private readonly cookie: SignedCookie<{ sub: string }>;

  constructor(keys: Buffer[]) {
    this.cookie = new SignedCookie('user-session', keys, USER_SESSION_MAX_AGE_SECONDS);
  }

  issue(userId: string, now = Date.now()): string {
    return this.cookie.issue(USER_SESSION_COOKIE, { sub: userId }, now);
  }

  clear(): string {
    return this.cookie.clear(USER_SESSION_COOKIE);
  }

  userId(cookieHeader: string | undefined, now = Date.now()): string | undefined {
    const value = this.cookie.read(cookieHeader, USER_SESSION_COOKIE, now);
    return typeof value?.sub === 'string' ? value.sub : undefined;
  }
}
