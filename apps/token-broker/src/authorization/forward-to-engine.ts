import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * Hands requests on `paths` to an oidc-provider engine (a Koa app) untouched: in this plugin's
 * scope Fastify parses no body (the engine reads and limits bodies itself) and the reply is
 * hijacked, so the engine writes the response. Request logs and the correlation id header still
 * come from the app's hooks, which run before the handler.
 */
export function forwardToEngine(
  fastify: FastifyInstance,
  paths: string[],
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  void fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    for (const path of paths) {
      scope.all(path, (request, reply) => {
        reply.raw.setHeader('x-request-id', request.id);
        reply.hijack();
        handler(request.raw, reply.raw);
      });
    }
  });
}
