import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import { frameworkStatus } from '../../http/framework-status';
import { INTERNAL_ERROR_PROBLEM, sendProblem } from '../../http/problem-response';
import { InternalApiError, type InternalApiErrorCode } from './internal-api.error';

const BY_CODE: Record<InternalApiErrorCode, { status: number; title: string }> = {
  unauthorized: { status: 401, title: 'Unauthorized' },
  bad_request: { status: 400, title: 'Bad request' },
  validation_failed: { status: 422, title: 'Validation failed' },
  not_found: { status: 404, title: 'Not found' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
};

/** Framework errors (parser, router) by status, onto our closed set; anything else is a 500. */
const BY_STATUS: Partial<Record<number, InternalApiErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** Writes an RFC 9457 problem answer (also used by the listener's early token check). */
export function sendInternalProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  error: InternalApiError,
): FastifyReply {
  const { status, title } = BY_CODE[error.code];
  const problem = {
    status,
    title,
    detail: error.message,
    code: error.code,
    ...(error.errors.length > 0 ? { errors: error.errors } : {}),
  };
  return sendProblem(reply, request, problem, 'internal');
}

/**
 * The internal API's one error map: below 500 the message is shown; at 500 the body is generic
 * and the log line has the detail and the correlation id.
 */
@Catch()
export class InternalErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof InternalApiError) {
      void sendInternalProblem(reply, request, exception);
      return;
    }
    const status = frameworkStatus(exception);
    const code = typeof status === 'number' ? BY_STATUS[status] : undefined;
    if (code !== undefined) {
      void sendInternalProblem(
        reply,
        request,
        new InternalApiError(code, (exception as Error).message),
      );
      return;
    }
    this.logger.error({ err: exception, correlation_id: request.id }, 'internal API error');
    void sendProblem(reply, request, INTERNAL_ERROR_PROBLEM, 'internal');
  }
}
