import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';
import { isClientAbort } from './client-abort';

/** Routes Nest's own log lines (bootstrap, route mapping, errors) into the app's pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    // Nest's ExceptionsHandler passes the error itself: a client that went away is not our fault.
    if (isClientAbort(message)) {
      this.logger.debug({ context }, 'client aborted the request');
      return;
    }
    this.logger.error(
      { context, trace, ...(message instanceof Error ? { err: message } : {}) },
      String(message),
    );
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }

  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
