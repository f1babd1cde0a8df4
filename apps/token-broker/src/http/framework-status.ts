import { HttpException } from '@nestjs/common';

/**
 * The HTTP status a framework error carries (Nest's HttpException, or Fastify's `statusCode` on
 * parser and router errors), so each surface's filter can map it onto its own closed codes;
 * `undefined` for anything else, which every filter treats as a 500.
 */
export function frameworkStatus(exception: unknown): number | undefined {
  if (exception instanceof HttpException) {
    return exception.getStatus();
  }
  const status = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
