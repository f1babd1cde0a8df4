import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { INTERACTION_PATH } from '../../authorization/authorization-server';
import type { InteractionController } from '../../authorization/interaction.controller';
import { LOGIN_CALLBACK_PATH } from '../../authorization/upstream-logins.service';
import type { ConnectPagesController } from '../../connect/connect-pages.controller';
import { CONNECT_CALLBACK_PATH } from '../../connect/connect-callback';
import { handlePageError } from './page-error.handler';

/** Consent forms are tiny; anything bigger is refused with 413 before it is read. */
const FORM_LIMIT_BYTES = 4096;

type Handler = (request: FastifyRequest<never>, reply: FastifyReply) => Promise<void>;

/**
 * Every route of the broker's HTML pages, in one table. They share one Fastify scope beside the
 * OAuth engine's routes (which forward-to-engine mounts in scopes of their own): urlencoded
 * forms only, at most 4 KiB, and one HTML error renderer.
 */
export function pageRoutes(
  interactions: InteractionController,
  connect: ConnectPagesController,
): Array<{ method: 'GET' | 'POST'; path: string; handler: Handler }> {
  return [
    { method: 'GET', path: `${INTERACTION_PATH}/:uid`, handler: (q, r) => interactions.show(q, r) },
    {
      method: 'POST',
      path: `${INTERACTION_PATH}/:uid/consent`,
      handler: (q, r) => interactions.decide(q, r),
    },
    {
      method: 'GET',
      path: `${INTERACTION_PATH}/:uid/callback`,
      handler: (q, r) => interactions.callback(q, r),
    },
    {
      method: 'GET',
      path: LOGIN_CALLBACK_PATH,
      handler: (q, r) => interactions.loginCallback(q, r),
    },
    { method: 'GET', path: '/connect/start/:id', handler: (q, r) => connect.start(q, r) },
    { method: 'GET', path: CONNECT_CALLBACK_PATH, handler: (q, r) => connect.callback(q, r) },
    { method: 'GET', path: '/connections', handler: (q, r) => connect.list(q, r) },
    { method: 'POST', path: '/connections/:id/revoke', handler: (q, r) => connect.revoke(q, r) },
    { method: 'POST', path: '/logout', handler: (q, r) => connect.logout(q, r) },
  ];
}

export function mountPageRoutes(
  fastify: FastifyInstance,
  interactions: InteractionController,
  connect: ConnectPagesController,
): void {
  void fastify.register(async (scope) => {
    scope.setErrorHandler(handlePageError);
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
      (_request, body, done) => done(null, new URLSearchParams(body as string)),
    );
    for (const route of pageRoutes(interactions, connect)) {
      scope.route({ method: route.method, url: route.path, handler: route.handler });
    }
  });
}
