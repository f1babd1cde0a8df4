import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { LOGGER } from '@app/observability';
import { messagePage, type PageOutcome, redirectTo } from '../../public/http/page-outcome';
import { INTERACTION_PATH } from '../authorization-server';
import type { RequestCookies } from '../signed-cookie';
import { UpstreamLoginStateStore } from '../upstream-login-state.store';
import {
  clearLoginBindingCookie,
  clearSignedOutCookie,
  UpstreamLogins,
} from '../upstream-logins.service';
import { UserSessions } from '../user-session';
import { SIGN_IN_EXPIRED } from './complete-login.usecase';

export interface CompleteSessionLoginCommand {
  /** The path and query the IdP sent the browser back to. */
  url: string;
  cookies: RequestCookies;
}

/**
 * GET /login/callback: the upstream IdP sends the browser back here. A login for our own pages
 * completes here (only in the browser that started it); a login for an MCP client's sign-in
 * continues at /interaction/{uid}/callback, the only path the engine's interaction cookie is
 * sent to.
 */
@Injectable()
export class CompleteSessionLoginUseCase {
  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly logins: UpstreamLogins,
    private readonly states: UpstreamLoginStateStore,
    private readonly sessions: UserSessions,
  ) {}

  async execute(command: CompleteSessionLoginCommand): Promise<PageOutcome> {
    const url = new URL(command.url, this.config.BROKER_PUBLIC_URL);
    const state = url.searchParams.get('state');
    const pending = state === null ? null : await this.states.peek(state);
    if (state === null || pending === null) {
      return SIGN_IN_EXPIRED;
    }
    if (pending.kind === 'interaction') {
      return redirectTo(`${INTERACTION_PATH}/${pending.uid}/callback${url.search}`);
    }
    if (!this.logins.boundToThisBrowser(pending, command.cookies)) {
      return messagePage(
        400,
        'Sign-in expired',
        'This sign-in was started in another browser. Start again from the page you wanted.',
      );
    }
    if ((await this.states.take(state)) === null) {
      return SIGN_IN_EXPIRED;
    }
    const user = await this.logins.finish(url, state, pending);
    if (user === undefined) {
      return messagePage(
        400,
        'Sign-in failed',
        'The login at the identity provider did not complete. Try again.',
        [clearLoginBindingCookie()],
      );
    }
    this.logger.info({ user_id: user.id }, 'user logged in to the broker pages');
    return redirectTo(pending.returnTo, [
      clearLoginBindingCookie(),
      clearSignedOutCookie(),
      await this.sessions.start(user.id),
    ]);
  }
}
