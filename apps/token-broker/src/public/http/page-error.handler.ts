import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RedisUnavailableError } from '@app/redis';
import { PAGE_HEADERS, renderMessagePage } from '../../authorization/pages';

/** What a page that needs Redis tells the browser while Redis is down. */
export const REDIS_RETRY_AFTER_SECONDS = 5;

/**
 * The one error renderer of the broker's HTML pages (what a page use case did not answer
 * itself): Redis down → 503 with Retry-After; a request Fastify refused (bad form, too large) →
 * its 4xx; anything else → a generic 500 page with the correlation id, the detail in the log.
 */
export function handlePageError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (error instanceof RedisUnavailableError) {
    request.log.warn({ err: { name: error.name, message: error.message } }, 'page needs redis');
    void reply
      .code(503)
      .headers(PAGE_HEADERS)
      .header('retry-after', String(REDIS_RETRY_AFTER_SECONDS))
      .send(
        renderMessagePage(
          'Temporarily unavailable',
          'The gateway cannot complete this step right now. Try again in a few seconds.',
        ),
      );
    return;
  }
  const statusCode = (error as { statusCode?: number }).statusCode;
  const status =
    statusCode !== undefined && statusCode >= 400 && statusCode < 500 ? statusCode : 500;
  if (status === 500) {
    request.log.error({ err: { name: error.name, message: error.message } }, 'interaction failed');
  }
  void reply
    .code(status)
    .headers(PAGE_HEADERS)
    .send(
      renderMessagePage(
        status === 500 ? 'Something went wrong' : 'Request refused',
        status === 500
          ? `The sign-in could not be completed. Reference: ${request.id}`
          : 'The request was not understood. Go back to your application and start again.',
      ),
    );
}
