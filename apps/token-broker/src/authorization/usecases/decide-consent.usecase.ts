import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { UserRepository } from '@app/persistence';
import { messagePage, type PageOutcome, withCookies } from '../../public/http/page-outcome';
import { AuthorizationServer } from '../authorization-server';
import { ConsentCookies, CsrfTokens } from '../consent-cookie';
import { describeRequest } from '../consent-request';
import { InteractionEngine } from '../interaction-engine';
import { UpstreamLogins } from '../upstream-logins.service';
import type { InteractionCommand } from './interaction.command';
import { startUpstreamLogin } from './start-upstream-login';

export interface DecideConsentCommand extends InteractionCommand {
  /** The form came from our own page (Origin check done by the controller). */
  sameOrigin: boolean;
  csrf: string | null;
  decision: string | null;
}

/**
 * POST /interaction/{uid}/consent: the user's answer. CSRF-checked; `allow` remembers the consent
 * in a cookie for this client, scopes and resources, then logs in at the IdP (or, when already
 * signed in, grants); anything else is `access_denied` for the client.
 */
@Injectable()
export class DecideConsentUseCase {
  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    private readonly server: AuthorizationServer,
    private readonly engine: InteractionEngine,
    private readonly logins: UpstreamLogins,
    private readonly users: UserRepository,
    private readonly consentCookies: ConsentCookies,
    private readonly csrf: CsrfTokens,
  ) {}

  async execute(command: DecideConsentCommand): Promise<PageOutcome> {
    const found = await this.engine.details(command.raw, command.uid);
    if ('refused' in found) {
      return found.refused;
    }
    const { details } = found;
    if (!command.sameOrigin || !this.csrf.verify(details.uid, command.csrf)) {
      return messagePage(
        403,
        'Request refused',
        'The form was not submitted from this page. Go back to your application and start again.',
      );
    }
    if (command.decision !== 'allow') {
      return this.engine.fail(command.raw, 'access_denied', 'the user denied the request');
    }
    const request = await describeRequest(details, this.server, this.config);
    const remember = [
      this.consentCookies.issue(request.clientId, request.resources, request.scopes),
    ];
    if (details.prompt.name === 'login') {
      const outcome = await startUpstreamLogin(
        { logins: this.logins, engine: this.engine },
        { ...command, details, clientId: request.clientId, consented: true },
      );
      return withCookies(outcome, remember);
    }
    const accountId = details.session?.accountId;
    const user = accountId === undefined ? undefined : await this.users.findById(accountId);
    if (user === undefined) {
      return withCookies(
        await this.engine.fail(command.raw, 'login_required', 'the session has no user'),
        remember,
      );
    }
    return withCookies(await this.engine.finish(command.raw, details, user, request), remember);
  }
}
