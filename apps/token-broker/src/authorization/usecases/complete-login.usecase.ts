import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { LOGGER } from '@app/observability';
import { ConsentRepository } from '@app/persistence';
import { messagePage, type PageOutcome, withCookies } from '../../public/http/page-outcome';
import { AuthorizationServer } from '../authorization-server';
import { allowedScopes, describeRequest } from '../consent-request';
import { InteractionEngine } from '../interaction-engine';
import { UpstreamLoginStateStore } from '../upstream-login-state.store';
import {
  clearSignedOutCookie,
  LOGIN_CALLBACK_PATH,
  UpstreamLogins,
} from '../upstream-logins.service';
import { UserSessions } from '../user-session';
import type { InteractionCommand } from './interaction.command';

export interface CompleteLoginCommand extends InteractionCommand {
  /** The query the IdP sent the browser back with. */
  search: string;
}

export const SIGN_IN_EXPIRED = messagePage(
  400,
  'Sign-in expired',
  'This sign-in link has expired or was already used. Go back to your application and start again.',
);

/**
 * GET /interaction/{uid}/callback: the IdP's answer for an MCP client's sign-in. The state must be
 * this browser's sign-in, single use; the user is signed in to the broker pages too; the grant
 * follows unless consent came from a cookie this user never gave (then the engine asks).
 */
@Injectable()
export class CompleteLoginUseCase {
  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly server: AuthorizationServer,
    private readonly engine: InteractionEngine,
    private readonly logins: UpstreamLogins,
    private readonly states: UpstreamLoginStateStore,
    private readonly consents: ConsentRepository,
    private readonly sessions: UserSessions,
  ) {}

  async execute(command: CompleteLoginCommand): Promise<PageOutcome> {
    // What the IdP redirected to, exactly (openid-client checks it and derives redirect_uri).
    const url = new URL(`${LOGIN_CALLBACK_PATH}${command.search}`, this.config.BROKER_PUBLIC_URL);
    const state = url.searchParams.get('state');
    const found = await this.engine.details(command.raw, command.uid);
    if ('refused' in found) {
      return found.refused;
    }
    const { details } = found;
    const pending = state === null ? null : await this.states.peek(state);
    if (state === null || pending === null) {
      return SIGN_IN_EXPIRED;
    }
    if (
      pending.kind !== 'interaction' ||
      pending.uid !== details.uid ||
      details.params.client_id !== pending.clientId
    ) {
      return messagePage(
        400,
        'Sign-in expired',
        'This sign-in was started in another browser. Go back to your application and start again.',
      );
    }
    // Single use: only the request that deletes the state goes on.
    if ((await this.states.take(state)) === null) {
      return SIGN_IN_EXPIRED;
    }
    const user = await this.logins.finish(url, state, pending);
    if (user === undefined) {
      return this.engine.fail(
        command.raw,
        'access_denied',
        'login at the identity provider failed',
      );
    }
    // The same browser is now signed in to the broker's own pages (connections) too.
    const signedIn = [clearSignedOutCookie(), await this.sessions.start(user.id)];
    const request = await describeRequest(details, this.server, this.config);
    this.logger.info({ user_id: user.id, client_id: request.clientId }, 'user logged in');
    if (!pending.consented) {
      // Consent came from this browser's cookie, possibly given by someone else: unless this user
      // allowed this client before, hand back the login only, so the engine asks for consent.
      const remembered = await this.consents.covers(
        user.id,
        request.clientId,
        request.resources,
        allowedScopes(user, request.scopes, this.config),
      );
      if (!remembered) {
        return withCookies(await this.engine.loginOnly(command.raw, user), signedIn);
      }
    }
    return withCookies(await this.engine.finish(command.raw, details, user, request), signedIn);
  }
}
