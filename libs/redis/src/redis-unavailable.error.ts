/**
 * Redis did not answer (down, unreachable, timed out). Pages that need Redis answer 503 with a
 * `Retry-After` hint for it instead of a 500: the request can succeed as it is once Redis is back.
 */
export class RedisUnavailableError extends Error {
  readonly code = 'redis_unavailable';

  constructor(cause: unknown) {
    super('redis unavailable', { cause });
    this.name = 'RedisUnavailableError';
  }

  /** Runs a Redis command; any failure of it becomes a RedisUnavailableError. */
  static async wrap<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new RedisUnavailableError(error);
    }
  }
}
