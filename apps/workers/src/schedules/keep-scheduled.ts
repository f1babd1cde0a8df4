import type { Queue } from 'bullmq';
import type { Logger } from 'pino';

/**
 * Upserts a queue's job schedulers now and again after every Redis reconnect. A Redis restarted
 * without persistence loses the schedulers with the jobs (the sweeps that bring lost jobs back
 * among them), and nothing else would put them back before the workers restart; the upsert is
 * idempotent, so doing it on every reconnect costs a few commands.
 */
export async function keepScheduled(
  queue: Queue,
  logger: Logger,
  upsert: () => Promise<unknown>,
): Promise<void> {
  await upsert();
  queue.backend.on('ready', () => {
    upsert().catch((error: unknown) =>
      logger.warn(
        { err: { message: (error as Error).message }, queue: queue.name },
        'job schedulers not restored after a Redis reconnect; the next reconnect or start retries',
      ),
    );
  });
}
