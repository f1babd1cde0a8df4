import { Injectable } from '@nestjs/common';
import { AuthorizationServer } from '../authorization/authorization-server';
import type { RequestCookies } from '../authorization/signed-cookie';
import { signedOutCookie } from '../authorization/upstream-logins.service';
import { UserSessions } from '../authorization/user-session';
import { messagePage, type PageOutcome } from '../public/http/page-outcome';
import { ConnectionsPageUseCase } from './connections-page.usecase';

/**
 * POST /logout: signs this browser out of the broker: our pages' session (the server-side record,
 * so every copy of the cookie) and the authorization server's session (the next sign-in asks for
 * a login at the IdP again).
 */
@Injectable()
export class SignOutUseCase {
  constructor(
    private readonly sessions: UserSessions,
    private readonly server: AuthorizationServer,
    private readonly page: ConnectionsPageUseCase,
  ) {}

  async execute(command: {
    cookies: RequestCookies;
    cookieHeader: string | undefined;
    csrf: string | null;
  }): Promise<PageOutcome> {
    const signedIn = await this.sessions.current(command.cookies);
    if (signedIn === undefined || !this.page.csrf.verify(signedIn.session, command.csrf)) {
      return this.page.refused;
    }
    const cleared = await this.sessions.end(command.cookies);
    return {
      ...messagePage(200, 'Signed out', 'You are signed out of the gateway pages.', [
        cleared,
        // The IdP may still have its own session: the next login here must not ride on it.
        signedOutCookie(),
      ]),
      engineCookies: await this.server.endBrowserSession(command.cookieHeader),
    };
  }
}
