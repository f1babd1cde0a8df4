import { Injectable } from '@nestjs/common';
import { Vault } from '@app/crypto';
import { CsrfTokens } from '../authorization/consent-cookie';
import { renderConnectionsPage } from '../authorization/pages';
import { ManageConnectionsUseCase } from '../connections/manage-connections.usecase';
import { messagePage, type PageOutcome, redirectTo } from '../public/http/page-outcome';
import type { SignedInCommand } from './connect-pages.command';

const FORM_REFUSED = messagePage(
  403,
  'Request refused',
  'The form was not submitted from the connections page.',
);

/**
 * GET /connections and POST /connections/{id}/revoke: the user's own connections; the forms carry
 * a CSRF token bound to the user's session and must come from our origin.
 */
@Injectable()
export class ConnectionsPageUseCase {
  readonly csrf: CsrfTokens;

  constructor(
    private readonly connections: ManageConnectionsUseCase,
    vault: Vault,
  ) {
    this.csrf = new CsrfTokens(vault.deriveKeys('connections-csrf'));
  }

  async list(command: SignedInCommand): Promise<PageOutcome> {
    const rows = await this.connections.list(command.user);
    return {
      kind: 'html',
      status: 200,
      html: renderConnectionsPage(rows, this.csrf.issue(command.session)),
    };
  }

  async revoke(
    command: SignedInCommand & { id: string; sameOrigin: boolean; csrf: string | null },
  ): Promise<PageOutcome> {
    if (!command.sameOrigin || !this.csrf.verify(command.session, command.csrf)) {
      return FORM_REFUSED;
    }
    if (
      !/^[0-9a-f-]{36}$/i.test(command.id) ||
      !(await this.connections.revoke(command.user, command.id))
    ) {
      return messagePage(404, 'Not found', 'No such connection of yours.');
    }
    return redirectTo('/connections');
  }

  /** The refusal of a form that did not come from this page. */
  get refused(): PageOutcome {
    return FORM_REFUSED;
  }
}
