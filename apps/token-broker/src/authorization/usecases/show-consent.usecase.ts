import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { ConsentRepository, UserRepository } from '@app/persistence';
import type { PageOutcome } from '../../public/http/page-outcome';
import { AuthorizationServer, INTERACTION_PATH } from '../authorization-server';
import { ConsentCookies, CsrfTokens } from '../consent-cookie';
import {
  allowedScopes,
  type ConsentRequest,
  describeRequest,
  type InteractionDetails,
  promptValues,
} from '../consent-request';
import { InteractionEngine } from '../interaction-engine';
import { UpstreamLogins } from '../upstream-logins.service';
import type { InteractionCommand } from './interaction.command';
import { startUpstreamLogin } from './start-upstream-login';

/**
 * GET /interaction/{uid}: the consent page for this client (SPEC-MUST 26), skipped while the
 * browser's consent cookie (before the login) or the signed-in user's stored consent covers the
 * client, scopes and resources — and always shown for `prompt=consent`.
 */
@Injectable()
export class ShowConsentUseCase {
  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    private readonly server: AuthorizationServer,
    private readonly engine: InteractionEngine,
    private readonly logins: UpstreamLogins,
    private readonly users: UserRepository,
    private readonly consents: ConsentRepository,
    private readonly consentCookies: ConsentCookies,
    private readonly csrf: CsrfTokens,
  ) {}

  async execute(command: InteractionCommand): Promise<PageOutcome> {
    const found = await this.engine.details(command.raw, command.uid);
    if ('refused' in found) {
      return found.refused;
    }
    const { details } = found;
    const request = await describeRequest(details, this.server, this.config);
    const forceConsent = promptValues(details).has('consent');
    if (details.prompt.name === 'login') {
      const covered = this.consentCookies.covers(
        command.cookies,
        request.clientId,
        request.resources,
        request.scopes,
      );
      if (!forceConsent && covered) {
        return startUpstreamLogin(
          { logins: this.logins, engine: this.engine },
          { ...command, details, clientId: request.clientId, consented: false },
        );
      }
      return this.page(details, request, undefined);
    }
    if (details.prompt.name === 'consent') {
      const accountId = details.session?.accountId;
      const user = accountId === undefined ? undefined : await this.users.findById(accountId);
      if (user === undefined) {
        return this.engine.fail(command.raw, 'login_required', 'the session has no user');
      }
      const remembered = await this.consents.covers(
        user.id,
        request.clientId,
        request.resources,
        allowedScopes(user, request.scopes, this.config),
      );
      if (!forceConsent && remembered) {
        return this.engine.finish(command.raw, details, user, request);
      }
      return this.page(details, request, user.email ?? user.name ?? undefined);
    }
    return this.engine.fail(command.raw, 'interaction_required', 'unsupported prompt');
  }

  private page(
    details: InteractionDetails,
    request: ConsentRequest,
    userLabel: string | undefined,
  ): PageOutcome {
    return {
      kind: 'consent',
      view: {
        action: `${INTERACTION_PATH}/${details.uid}/consent`,
        csrfToken: this.csrf.issue(details.uid),
        clientId: request.clientId,
        clientName: request.clientName,
        clientSource: request.clientSource,
        redirectHost: request.redirectHost,
        loopbackRedirect: request.loopbackRedirect,
        scopes: request.scopes,
        resources: request.resources,
        userLabel,
      },
    };
  }
}
