import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import { RedisUnavailableError } from '@app/redis';
import { frameworkStatus } from '../../http/framework-status';
import { PUBLIC_API_ERRORS } from './public-api-error.map';
import { PublicApiError } from './public-api.error';

/**
 * Errors on the broker's public listener, OAuth style (`{error, error_description}`, RFC 6749
 * 5.2), each refusal answered by its code's entry in PUBLIC_API_ERRORS. Below 500 the message is
 * shown; 500 bodies are generic and the detail goes to the log with the correlation id.
 */
@Catch()
export class PublicErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.header('Cache-Control', 'no-store');
    if (exception instanceof RedisUnavailableError) {
      this.logger.warn(
        { err: { name: exception.name, message: exception.message }, correlation_id: request.id },
        'public API needs redis',
      );
      exception = new PublicApiError(
        'store_unavailable',
        'The gateway cannot complete this step right now; try again in a few seconds.',
      );
    }
    if (exception instanceof PublicApiError) {
      const answer = PUBLIC_API_ERRORS[exception.code];
      if (answer.headers !== undefined) {
        void reply.headers(answer.headers);
      }
      if (answer.challenge !== undefined) {
        void reply.header('WWW-Authenticate', answer.challenge(exception));
      }
      void reply
        .status(answer.status)
        .send({ ...answer.body, error: answer.error, error_description: exception.message });
      return;
    }
    const status = frameworkStatus(exception);
    if (typeof status === 'number' && status >= 400 && status < 500) {
      void reply
        .status(status)
        .send({ error: 'invalid_request', error_description: (exception as Error).message });
      return;
    }
    this.logger.error({ err: exception, correlation_id: request.id }, 'public API internal error');
    void reply.status(500).send({
      error: 'server_error',
      error_description: 'An internal error occurred; quote the correlation id when reporting it.',
      correlation_id: request.id,
    });
  }
}
