import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { LOGGER } from '@app/observability';
import { AuthorizationCodeFlow, OAuthClientError } from '@app/provider-flows';
import { messagePage, type PageOutcome, redirectTo } from '../public/http/page-outcome';
import { providerFlowPage } from '../public/http/provider-flow-page.map';
import type { SignedInCommand } from './connect-pages.command';
import { connectCallbackUrl } from './connect-callback';
import { ConnectRequestStore } from './connect-requests.store';

/**
 * GET /connect/start/{id}: the link of an `oauth` remedy, single-use, for the user it was made
 * for only (SPEC-MUST 29); sends the browser to the provider.
 */
@Injectable()
export class OpenConnectLinkUseCase {
  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly flow: AuthorizationCodeFlow,
    private readonly requests: ConnectRequestStore,
  ) {}

  async execute(command: SignedInCommand & { id: string }): Promise<PageOutcome> {
    const pending = await this.requests.get(command.id);
    if (pending === null) {
      return messagePage(
        400,
        'Link expired',
        'This connection link has expired. Run the tool again to get a new one.',
      );
    }
    if (pending.subject !== command.user) {
      return messagePage(
        403,
        'Not your link',
        'This connection link was made for another user. Sign in as that user, or run the tool again yourself.',
      );
    }
    // One link, one flow: a link cannot be replayed to start more (or later) connections; of two
    // opens at once, only the one that takes it goes on.
    if (!(await this.requests.take(command.id))) {
      return messagePage(
        400,
        'Link expired',
        'This connection link was already used. Run the tool again to get a new one.',
      );
    }
    try {
      const start = await this.flow.start(
        command.user,
        pending.provider,
        pending.scopes,
        connectCallbackUrl(this.config),
        Date.now(),
        // The link's id is the remedy's `state`: the gateway's elicitation id (issue 9 §2).
        command.id,
      );
      return redirectTo(start.authorization_url);
    } catch (error) {
      return connectFailed(error, this.logger);
    }
  }
}

/** A provider-flow failure as its page (anything else is not ours to show: rethrown). */
export function connectFailed(error: unknown, logger: Logger): PageOutcome {
  if (!(error instanceof OAuthClientError)) {
    throw error;
  }
  const { page, log } = providerFlowPage(error);
  if (log) {
    logger.warn(
      { err: { name: error.name, message: error.message, oauth_error: error.oauthError } },
      'connect failed',
    );
  }
  return page;
}
