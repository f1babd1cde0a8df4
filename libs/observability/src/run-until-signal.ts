import type { Logger } from 'pino';

interface Closable {
  close(): Promise<void>;
}

/**
 * Graceful shutdown for a process that hosts one or more Nest apps: on SIGTERM or SIGINT stop
 * accepting connections, let in-flight work finish, close pools; force-exit after `timeoutMs`.
 */
export function runUntilSignal(apps: Closable[], logger: Logger, timeoutMs: number): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    Promise.all(apps.map((app) => app.close()))
      .then(() => {
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
