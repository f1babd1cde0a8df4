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
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser(YAML_CONTENT_TYPES, { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  fastify.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    fastify.getDefaultJsonParser('error', 'error'),
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
