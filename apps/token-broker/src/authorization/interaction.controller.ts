import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { PageRenderer } from '../public/http/page.renderer';
import type { RequestCookies } from './signed-cookie';
import { CompleteLoginUseCase } from './usecases/complete-login.usecase';
import { CompleteSessionLoginUseCase } from './usecases/complete-session-login.usecase';
import { DecideConsentUseCase } from './usecases/decide-consent.usecase';
import { ShowConsentUseCase } from './usecases/show-consent.usecase';

type UidRequest = FastifyRequest<{ Params: { uid: string } }>;

/**
 * The MCP client's sign-in pages (routes in public/http/page-routes.ts): request in, one use
 * case, the page renderer out.
 */
@Injectable()
export class InteractionController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: TokenBrokerConfig,
    private readonly pages: PageRenderer,
    private readonly showConsent: ShowConsentUseCase,
    private readonly decideConsent: DecideConsentUseCase,
    private readonly completeLogin: CompleteLoginUseCase,
    private readonly completeSessionLogin: CompleteSessionLoginUseCase,
  ) {}

  async show(request: UidRequest, reply: FastifyReply): Promise<void> {
    this.pages.send(reply, await this.showConsent.execute(this.command(request, reply)));
  }

  async decide(request: UidRequest, reply: FastifyReply): Promise<void> {
    const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    const outcome = await this.decideConsent.execute({
      ...this.command(request, reply),
      sameOrigin: this.sameOrigin(request),
      csrf: form.get('csrf'),
      decision: form.get('decision'),
    });
    this.pages.send(reply, outcome);
  }

  async callback(request: UidRequest, reply: FastifyReply): Promise<void> {
    const search = new URL(request.url, this.config.BROKER_PUBLIC_URL).search;
    this.pages.send(
      reply,
      await this.completeLogin.execute({ ...this.command(request, reply), search }),
    );
  }

  async loginCallback(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const outcome = await this.completeSessionLogin.execute({
      url: request.url,
      cookies: request.cookies as RequestCookies,
    });
    this.pages.send(reply, outcome);
  }

  private command(request: UidRequest, reply: FastifyReply) {
    return {
      uid: request.params.uid,
      raw: { req: request.raw, res: reply.raw },
      cookies: request.cookies as RequestCookies,
    };
  }

  /**
   * A form post from our own page: Origin is ours, or absent (not a browser), or `null` from a
   * browser that says the request is same-origin (Fetch Metadata). The CSRF token is checked too.
   */
  private sameOrigin(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    if (origin === undefined || origin === new URL(this.config.BROKER_PUBLIC_URL).origin) {
      return true;
    }
    return origin === 'null' && request.headers['sec-fetch-site'] === 'same-origin';
  }
}
