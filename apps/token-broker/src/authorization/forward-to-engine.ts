import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * Hands requests on `paths` to an oidc-provider engine (a Koa app): in this plugin's scope Fastify
 * parses no body (the engine reads and limits bodies itself) and the reply is hijacked, so the
 * engine writes the response; the engine sees the issuer's host and scheme. Request logs and the correlation id header still
 * come from the app's hooks, which run before the handler.
 */
export function forwardToEngine(
  fastify: FastifyInstance,
  paths: string[],
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  issuer: string,
  /** Plugins for this scope only (e.g. a rate limit), registered before the routes. */
  setup?: (scope: FastifyInstance) => Promise<void>,
): void {
  const { host, protocol } = new URL(issuer);
  void fastify.register(async (scope) => {
    await setup?.(scope);
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    for (const path of paths) {
      scope.all(path, (request, reply) => {
        reply.raw.setHeader('x-request-id', request.id);
        // The engine builds every URL it publishes (metadata endpoints, redirects) and decides
        // whether cookies are Secure from the request's host and scheme. It must see the issuer's,
        // whatever name the request used or proxy it came through: set them (the engine runs with
        // proxy = true) and drop any forwarded headers a caller could have sent.
        const headers = request.raw.headers;
        delete headers['x-forwarded-for'];
        delete headers['x-forwarded-host'];
        delete headers['forwarded'];
        headers.host = host;
        headers['x-forwarded-proto'] = protocol.replace(':', '');
        reply.hijack();
        handler(request.raw, reply.raw);
      });
    }
  });
}
