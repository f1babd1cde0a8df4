import type { WorkersConfig } from '@app/config';

/**
 * WORKERS_DB_POOL_SIZE, or one connection per concurrent job within [4, 20]: a refresh holds a
 * connection only for each of its short statements, so more than 20 adds Postgres backends that
 * compete for the same cores without adding throughput (bench:refresh).
 */
export function workersPoolSize(
  config: Pick<WorkersConfig, 'WORKERS_DB_POOL_SIZE' | 'WORKER_CONCURRENCY'>,
): number {
  return config.WORKERS_DB_POOL_SIZE ?? Math.min(20, Math.max(4, config.WORKER_CONCURRENCY));
}
