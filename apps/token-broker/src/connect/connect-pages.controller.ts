import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import type { RequestCookies } from '../authorization/signed-cookie';
import { UpstreamLogins } from '../authorization/upstream-logins.service';
import { UserSessions } from '../authorization/user-session';
import type { PageOutcome } from '../public/http/page-outcome';
import { PageRenderer } from '../public/http/page.renderer';
import { CompleteConnectUseCase } from './complete-connect.usecase';
import type { SignedInCommand } from './connect-pages.command';
import { ConnectionsPageUseCase } from './connections-page.usecase';
import { OpenConnectLinkUseCase } from './open-connect-link.usecase';
import { SignOutUseCase } from './sign-out.usecase';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/**
 * The user-facing pages of provider connections (routes in public/http/page-routes.ts). Every
 * page but sign-out needs the broker's user session: without one, a login at the upstream IdP
 * starts and comes back here; each page acts for that user only.
 */
@Injectable()
export class ConnectPagesController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    private readonly pages: PageRenderer,
    private readonly sessions: UserSessions,
    private readonly logins: UpstreamLogins,
    private readonly openLink: OpenConnectLinkUseCase,
    private readonly completeConnect: CompleteConnectUseCase,
    private readonly connections: ConnectionsPageUseCase,
    private readonly signOut: SignOutUseCase,
  ) {}

  start(request: IdRequest, reply: FastifyReply): Promise<void> {
    return this.signedIn(request, reply, (signedIn) =>
      this.openLink.execute({ ...signedIn, id: request.params.id }),
    );
  }

  callback(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const params = new URL(request.url, this.config.BROKER_PUBLIC_URL).searchParams;
    return this.signedIn(request, reply, (signedIn) =>
      this.completeConnect.execute({ ...signedIn, params }),
    );
  }

  list(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    return this.signedIn(request, reply, (signedIn) => this.connections.list(signedIn));
  }

  revoke(request: IdRequest, reply: FastifyReply): Promise<void> {
    const origin = request.headers.origin;
    return this.signedIn(request, reply, (signedIn) =>
      this.connections.revoke({
        ...signedIn,
        id: request.params.id,
        sameOrigin:
          origin === undefined || origin === new URL(this.config.BROKER_PUBLIC_URL).origin,
        csrf: form(request).get('csrf'),
      }),
    );
  }

  async logout(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const outcome = await this.signOut.execute({
      cookies: request.cookies as RequestCookies,
      cookieHeader: request.headers.cookie,
      csrf: form(request).get('csrf'),
    });
    this.pages.send(reply, outcome);
  }

  /** Runs `page` for the signed-in user, or sends the browser to log in (back here afterwards). */
  private async signedIn(
    request: FastifyRequest,
    reply: FastifyReply,
    page: (signedIn: SignedInCommand) => Promise<PageOutcome>,
  ): Promise<void> {
    const cookies = request.cookies as RequestCookies;
    const signedIn = await this.sessions.current(cookies);
    const outcome =
      signedIn === undefined
        ? await this.logins.startForSession(request.url, cookies)
        : await page(signedIn);
    this.pages.send(reply, outcome);
  }
}

function form(request: FastifyRequest): URLSearchParams {
  return request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
}
