import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import { PolicyStoreError } from '@app/persistence';
import { AdminApiError, type AdminApiErrorCode } from './admin-api.error';

interface Problem {
  status: number;
  title: string;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
}

function fromCode(code: AdminApiErrorCode): { status: number; title: string } {
  switch (code) {
    case 'unauthorized':
      return { status: 401, title: 'Unauthorized' };
    case 'bad_request':
      return { status: 400, title: 'Bad request' };
    case 'validation_failed':
      return { status: 422, title: 'Validation failed' };
    case 'not_found':
      return { status: 404, title: 'Not found' };
    case 'conflict':
      return { status: 409, title: 'Conflict' };
    case 'precondition_failed':
      return { status: 412, title: 'Precondition failed' };
    case 'payload_too_large':
      return { status: 413, title: 'Payload too large' };
    case 'unsupported_media_type':
      return { status: 415, title: 'Unsupported media type' };
  }
}

function fromStore(error: PolicyStoreError): AdminApiError {
  switch (error.code) {
    case 'policy_not_found':
    case 'revision_not_found':
      return new AdminApiError('not_found', error.message);
    case 'precondition_failed':
      return new AdminApiError('precondition_failed', error.message);
    case 'duplicate_name':
    case 'duplicate_priority':
      return new AdminApiError(
        'conflict',
        error.message,
        error.field ? [{ field: error.field, message: error.message }] : [],
      );
  }
}

/**
 * RFC 9457 problem details for every admin API error. Below 500 the message is shown; at 500 the
 * body is generic and the log line carries the detail and the correlation id.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = this.toProblem(exception, request);
    if (problem.status === 401) {
      void reply.header('WWW-Authenticate', 'Bearer realm="admin"');
    }
    void reply
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

  private toProblem(exception: unknown, request: FastifyRequest): Problem {
    const error = exception instanceof PolicyStoreError ? fromStore(exception) : exception;
    if (error instanceof AdminApiError) {
      const { status, title } = fromCode(error.code);
      return {
        status,
        title,
        detail: error.message,
        code: error.code,
        ...(error.errors.length ? { errors: error.errors } : {}),
      };
    }
    if (error instanceof HttpException && error.getStatus() < 500) {
      return {
        status: error.getStatus(),
        title: error.name.replace(/Exception$/, ''),
        detail: error.message,
        code: 'http_error',
      };
    }
    // Fastify's own client errors (malformed JSON, body too large, bad content type) carry statusCode.
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const fastifyCode = (error as { code?: string }).code ?? 'http_error';
      return {
        status,
        title: titleFor(status),
        detail: (error as Error).message,
        code: fastifyCode.toLowerCase(),
      };
    }
    this.logger.error({ err: exception, correlation_id: request.id }, 'admin API internal error');
    return {
      status: 500,
      title: 'Internal server error',
      detail: 'An internal error occurred; quote the correlation id when reporting it.',
      code: 'internal_error',
    };
  }
}

function titleFor(status: number): string {
  switch (status) {
    case 400:
      return 'Bad request';
    case 413:
      return 'Payload too large';
    case 415:
      return 'Unsupported media type';
    default:
      return 'Client error';
  }
}
