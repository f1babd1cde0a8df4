import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import { AuthorizationCodeFlow } from '@app/provider-flows';
import { messagePage, type PageOutcome } from '../public/http/page-outcome';
import type { SignedInCommand } from './connect-pages.command';
import { connectFailed } from './open-connect-link.usecase';

/** GET /connect/callback?code=…&state=… (or ?error=…): completes only for the user who started. */
@Injectable()
export class CompleteConnectUseCase {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly flow: AuthorizationCodeFlow,
  ) {}

  async execute(command: SignedInCommand & { params: URLSearchParams }): Promise<PageOutcome> {
    const { params, user } = command;
    const state = params.get('state');
    const code = params.get('code');
    if (params.get('error') !== null || state === null || code === null) {
      const error = params.get('error') ?? 'invalid_request';
      return messagePage(
        400,
        'Not connected',
        `The provider did not grant access (${error}). Nothing was stored.`,
      );
    }
    try {
      const result = await this.flow.complete(user, state, code);
      this.logger.info(
        { user_id: user, provider: result.providerName, connection_id: result.connection.id },
        'provider connected (authorization code)',
      );
      return messagePage(
        200,
        'Connected',
        `Your ${result.providerName} account is connected. You can close this page and run the tool again.`,
      );
    } catch (error) {
      return connectFailed(error, this.logger);
    }
  }
}
