import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { Vault } from '@app/crypto';
import { LOGGER } from '@app/observability';
import { AuthorizationCodeFlow, OAuthClientError } from '@app/provider-flows';
import { AuthorizationServer } from '../authorization/authorization-server';
import { CsrfTokens } from '../authorization/consent-cookie';
import { InteractionService, SIGNED_OUT_COOKIE } from '../authorization/interaction.service';
import { UserSessions } from '../authorization/user-session';
import { escapeHtml, PAGE_HEADERS, renderMessagePage, renderPage } from '../authorization/pages';
import { ManageConnectionsUseCase } from '../connections/manage-connections.usecase';
import { ConnectRequestStore } from './connect-requests.store';

export const CONNECT_CALLBACK_PATH = '/connect/callback';

/**
 * The user-facing pages of provider connections, on the broker's public listener:
 * `GET /connect/start/{id}` (the link of an `oauth` remedy, single-use), `GET /connect/callback`
 * (the provider's redirect), `GET /connections`, `POST /connections/{id}/revoke` and
 * `POST /logout`. Every page needs the broker's user session (a login at the
 * upstream IdP starts when there is none) and acts for that user only: a link made for another
 * user is refused (SPEC-MUST 29), and a callback completes only for the user who started it.
 */
@Injectable()
export class ConnectPagesService {
  private readonly csrf: CsrfTokens;

  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly interactions: InteractionService,
    private readonly sessions: UserSessions,
    private readonly flow: AuthorizationCodeFlow,
    private readonly requests: ConnectRequestStore,
    private readonly connections: ManageConnectionsUseCase,
    private readonly server: AuthorizationServer,
    vault: Vault,
  ) {
    this.csrf = new CsrfTokens(vault.deriveKeys('connections-csrf'));
  }

  get redirectUri(): string {
    return `${this.config.BROKER_PUBLIC_URL}${CONNECT_CALLBACK_PATH}`;
  }

  /** GET /connect/start/{id} */
  async startRequest(request: FastifyRequest, reply: FastifyReply, id: string): Promise<void> {
    const user = await this.user(request, reply);
    if (user === undefined) {
      return;
    }
    const pending = await this.requests.get(id);
    if (pending === null) {
      return this.page(
        reply,
        400,
        'Link expired',
        'This connection link has expired. Run the tool again to get a new one.',
      );
    }
    if (pending.subject !== user) {
      return this.page(
        reply,
        403,
        'Not your link',
        'This connection link was made for another user. Sign in as that user, or run the tool again yourself.',
      );
    }
    // One link, one flow: a link cannot be replayed to start more (or later) connections; of two
    // opens at once, only the one that takes it goes on.
    if (!(await this.requests.take(id))) {
      return this.page(
        reply,
        400,
        'Link expired',
        'This connection link was already used. Run the tool again to get a new one.',
      );
    }
    return this.begin(reply, user, pending.provider, pending.scopes);
  }

  /** GET /connect/callback?code=…&state=… (or ?error=…) */
  async callback(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const user = await this.user(request, reply);
    if (user === undefined) {
      return;
    }
    const params = new URL(request.url, this.config.BROKER_PUBLIC_URL).searchParams;
    const state = params.get('state');
    const code = params.get('code');
    if (params.get('error') !== null || state === null || code === null) {
      const error = params.get('error') ?? 'invalid_request';
      return this.page(
        reply,
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
      return this.page(
        reply,
        200,
        'Connected',
        `Your ${result.providerName} account is connected. You can close this page and run the tool again.`,
      );
    } catch (error) {
      return this.flowError(reply, error);
    }
  }

  /** GET /connections */
  async list(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const user = await this.user(request, reply);
    if (user === undefined) {
      return;
    }
    const rows = await this.connections.list(user);
    const csrf = this.csrf.issue(user);
    const items = rows
      .map(
        (c) =>
          `<tr><td>${escapeHtml(c.provider)}</td><td>${escapeHtml(c.status)}</td><td><code>${escapeHtml(c.scopes.join(' '))}</code></td><td>${escapeHtml(c.expires_at ?? 'never')}</td><td>${
            c.status === 'revoked'
              ? ''
              : `<form method="post" action="/connections/${escapeHtml(c.id)}/revoke"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit">Revoke</button></form>`
          }</td></tr>`,
      )
      .join('');
    void reply
      .code(200)
      .headers(PAGE_HEADERS)
      .send(
        renderPage(
          'Your connections',
          `<h1>Your connections</h1>${
            rows.length === 0
              ? '<p id="empty">You have not connected any account yet.</p>'
              : `<table id="connections"><thead><tr><th>Provider</th><th>Status</th><th>Scopes</th><th>Expires</th><th></th></tr></thead><tbody>${items}</tbody></table>`
          }<p class="muted">Revoking forgets the tokens here and asks the provider to revoke them.</p>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit" id="logout">Sign out</button></form>`,
        ),
      );
  }

  /** POST /connections/{id}/revoke */
  async revoke(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    form: URLSearchParams,
  ): Promise<void> {
    const user = await this.user(request, reply);
    if (user === undefined) {
      return;
    }
    const origin = request.headers.origin;
    if (
      (origin !== undefined && origin !== new URL(this.config.BROKER_PUBLIC_URL).origin) ||
      !this.csrf.verify(user, form.get('csrf'))
    ) {
      return this.page(
        reply,
        403,
        'Request refused',
        'The form was not submitted from the connections page.',
      );
    }
    if (!/^[0-9a-f-]{36}$/i.test(id) || !(await this.connections.revoke(user, id))) {
      return this.page(reply, 404, 'Not found', 'No such connection of yours.');
    }
    void reply
      .code(303)
      .header('location', '/connections')
      .header('cache-control', 'no-store')
      .send();
  }

  /**
   * POST /logout: signs this browser out of the broker: our pages' session and the authorization
   * server's session (the next sign-in asks for a login at the IdP again).
   */
  async logout(request: FastifyRequest, reply: FastifyReply, form: URLSearchParams): Promise<void> {
    const user = await this.sessions.userId(request.headers.cookie);
    if (user === undefined || !this.csrf.verify(user, form.get('csrf'))) {
      return this.page(
        reply,
        403,
        'Request refused',
        'The form was not submitted from the connections page.',
      );
    }
    void reply.header('set-cookie', [
      await this.sessions.end(request.headers.cookie),
      ...(await this.server.endBrowserSession(request.headers.cookie)),
      // The IdP may still have its own session: the next login here must not ride on it.
      `${SIGNED_OUT_COOKIE}=1; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=86400`,
    ]);
    return this.page(reply, 200, 'Signed out', 'You are signed out of the gateway pages.');
  }

  private async begin(
    reply: FastifyReply,
    user: string,
    provider: string,
    scopes: string[],
  ): Promise<void> {
    try {
      const start = await this.flow.start(user, provider, scopes, this.redirectUri);
      void reply
        .code(303)
        .header('location', start.authorization_url)
        .header('cache-control', 'no-store')
        .send();
    } catch (error) {
      return this.flowError(reply, error);
    }
  }

  /** The signed-in user, or undefined after sending the browser to log in (back here afterwards). */
  private async user(request: FastifyRequest, reply: FastifyReply): Promise<string | undefined> {
    const user = await this.sessions.userId(request.headers.cookie);
    if (user === undefined) {
      await this.interactions.startSessionLogin(reply, request.url);
    }
    return user;
  }

  private flowError(reply: FastifyReply, error: unknown): void {
    if (!(error instanceof OAuthClientError)) {
      throw error;
    }
    switch (error.code) {
      case 'invalid_state':
        return this.page(
          reply,
          400,
          'Link expired',
          'This connection attempt expired or was already completed. Start again.',
        );
      case 'wrong_user':
        return this.page(
          reply,
          403,
          'Not your connection',
          'This connection was started by another user.',
        );
      case 'unknown_provider':
        return this.page(reply, 404, 'Unknown provider', error.message);
      case 'not_allowed':
        return this.page(reply, 400, 'Not available', error.message);
      case 'bad_response':
      case 'oauth_error':
      case 'unreachable':
        this.logger.warn(
          { err: { name: error.name, message: error.message, oauth_error: error.oauthError } },
          'connect failed',
        );
        return this.page(
          reply,
          502,
          'Not connected',
          `The provider could not complete the connection: ${error.message}`,
        );
    }
  }

  private page(reply: FastifyReply, status: number, title: string, message: string): void {
    void reply.code(status).headers(PAGE_HEADERS).send(renderMessagePage(title, message));
  }
}
