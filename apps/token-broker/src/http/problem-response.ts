import type { FastifyReply, FastifyRequest } from 'fastify';

/** An RFC 9457 problem as the broker's JSON APIs answer it (each surface maps its own codes). */
export interface Problem {
  status: number;
  title: string;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
}

/** The one 500 body (SPEC-MUST 37): nothing of the cause, only the correlation id to quote. */
export const INTERNAL_ERROR_PROBLEM: Problem = {
  status: 500,
  title: 'Internal server error',
  detail: 'An internal error occurred; quote the correlation id when reporting it.',
  code: 'internal_error',
};

/**
 * Writes a problem answer: `application/problem+json`, never cached, with the request's path and
 * correlation id; a 401 carries the Bearer challenge of the listener's `realm`.
 */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  problem: Problem,
  realm: string,
): FastifyReply {
  if (problem.status === 401) {
    void reply.header('WWW-Authenticate', `Bearer realm="${realm}"`);
  }
  return reply
    .status(problem.status)
    .header('Content-Type', 'application/problem+json')
    .header('Cache-Control', 'no-store')
    .send({
      type: 'about:blank',
      ...problem,
      instance: request.url.split('?')[0],
      correlation_id: request.id,
    });
}
