import type { FastifyInstance } from 'fastify';
import { exceedsDepth, MAX_NESTING_DEPTH } from '@app/policy-engine';
import { AdminApiError } from './admin-api.error';
import { sendProblem, toProblem } from './problem-details.filter';

export const YAML_CONTENT_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/**
 * The bodies the admin API reads: JSON, merge-patch JSON and YAML (as text, parsed by the policy
 * document reader). Anything else is a 415, not a string body to misread. Parsed bodies nested
 * deeper than MAX_NESTING_DEPTH are refused before any recursive code sees them.
 */
export function registerAdminBodyParsers(fastify: FastifyInstance): void {
  const json = fastify.getDefaultJsonParser('error', 'error');
  // Many clients send `Content-Type: application/json` on every request: an empty body is no body
  // (a DELETE stays a DELETE; a POST without one fails validation, not parsing).
  const jsonOrNothing: typeof json = (request, body, done) =>
    body === '' ? done(null, undefined) : json(request, body, done);
  fastify.removeContentTypeParser(['text/plain', 'application/json']);
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, jsonOrNothing);
  fastify.addContentTypeParser(YAML_CONTENT_TYPES, { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  fastify.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    jsonOrNothing,
  );
  fastify.addHook('preValidation', async (request, reply) => {
    if (exceedsDepth(request.body)) {
      return sendProblem(
        reply,
        request,
        toProblem(
          new AdminApiError(
            'bad_request',
            `the request body is nested more than ${MAX_NESTING_DEPTH} levels deep`,
          ),
        ),
      );
    }
    return undefined;
  });
}
