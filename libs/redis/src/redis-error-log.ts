import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

/**
 * Gives a Redis client (or a BullMQ queue/worker) an `error` listener that logs JSON through the
 * app's logger. Without one, ioredis prints `[ioredis] Unhandled error event` stack traces to
 * stderr on every reconnect attempt. One line per outage: repeats of the same error are dropped
 * until the client is ready again. Only the error's name, code and message are logged — never the
 * URL, which may carry the password.
 */
export function logRedisErrors(client: EventEmitter, logger: Logger, name: string): void {
  let last: string | undefined;
  client.on('error', (error: Error & { code?: string }) => {
    const summary = `${error.name}:${error.code ?? ''}:${error.message}`;
    if (summary === last) {
      return;
    }
    last = summary;
    logger.warn(
      { redis_client: name, err: { name: error.name, code: error.code, message: error.message } },
      'redis unavailable',
    );
  });
  client.on('ready', () => {
    if (last !== undefined) {
      last = undefined;
      logger.info({ redis_client: name }, 'redis available again');
    }
  });
}
