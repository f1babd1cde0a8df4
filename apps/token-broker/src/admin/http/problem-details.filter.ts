import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { QueryFailedError } from 'typeorm';
import { LOGGER } from '@app/observability';
import { frameworkStatus } from '../../http/framework-status';
import { PolicyStoreError, StoreError } from '@app/persistence';
import {
  INTERNAL_ERROR_PROBLEM,
  type Problem,
  sendProblem as sendBrokerProblem,
} from '../../http/problem-response';
import { AdminApiError, type AdminApiErrorCode } from './admin-api.error';

export type { Problem } from '../../http/problem-response';

const BY_CODE: Record<AdminApiErrorCode, { status: number; title: string }> = {
  unauthorized: { status: 401, title: 'Unauthorized' },
  bad_request: { status: 400, title: 'Bad request' },
  validation_failed: { status: 422, title: 'Validation failed' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  precondition_failed: { status: 412, title: 'Precondition failed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
};

const BY_STATUS: Record<number, { code: string; title: string }> = {
  400: { code: 'bad_request', title: 'Bad request' },
  401: { code: 'unauthorized', title: 'Unauthorized' },
  403: { code: 'forbidden', title: 'Forbidden' },
  404: { code: 'not_found', title: 'Not found' },
  405: { code: 'method_not_allowed', title: 'Method not allowed' },
  406: { code: 'not_acceptable', title: 'Not acceptable' },
  413: { code: 'payload_too_large', title: 'Payload too large' },
  415: { code: 'unsupported_media_type', title: 'Unsupported media type' },
  429: { code: 'too_many_requests', title: 'Too many requests' },
};

// Postgres refusing a value (bad encoding, out of range) is the caller's input, not our fault.
const INPUT_SQLSTATES = new Set(['22001', '22003', '22021', '22P02', '22P05']);
// A race the friendly pre-checks lost: still the caller's conflict, not a server fault.
const UNIQUE_VIOLATION = '23505';

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

function fromNamedStore(error: StoreError): AdminApiError {
  switch (error.code) {
    case 'not_found':
      return new AdminApiError('not_found', error.message);
    case 'precondition_failed':
      return new AdminApiError('precondition_failed', error.message);
    case 'duplicate_name':
      return new AdminApiError('conflict', error.message, [
        { field: 'name', message: error.message },
      ]);
  }
}

/** Writes an RFC 9457 problem response (also used by the admin app's early auth hook). */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  problem: Problem,
): FastifyReply {
  return sendBrokerProblem(reply, request, problem, 'admin');
}

export function toProblem(error: AdminApiError): Problem {
  const { status, title } = BY_CODE[error.code];
  return {
    status,
    title,
    detail: error.message,
    code: error.code,
    ...(error.errors.length > 0 ? { errors: error.errors } : {}),
  };
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
    void sendProblem(reply, request, this.classify(exception, request));
  }

  private classify(exception: unknown, request: FastifyRequest): Problem {
    const error =
      exception instanceof PolicyStoreError
        ? fromStore(exception)
        : exception instanceof StoreError
          ? fromNamedStore(exception)
          : exception;
    if (error instanceof AdminApiError) {
      return toProblem(error);
    }
    const status = frameworkStatus(error);
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const known = BY_STATUS[status] ?? { code: 'client_error', title: 'Client error' };
      return { status, ...known, detail: (error as Error).message };
    }
    const sqlState =
      error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : undefined;
    if (sqlState === UNIQUE_VIOLATION) {
      return {
        status: 409,
        code: 'conflict',
        title: 'Conflict',
        detail: 'a resource with this name already exists',
      };
    }
    if (sqlState !== undefined && INPUT_SQLSTATES.has(sqlState)) {
      return {
        status: 422,
        code: 'validation_failed',
        title: 'Validation failed',
        detail: 'a value could not be stored (invalid characters or out of range)',
      };
    }
    this.logger.error({ err: exception, correlation_id: request.id }, 'admin API internal error');
    return INTERNAL_ERROR_PROBLEM;
  }
}
