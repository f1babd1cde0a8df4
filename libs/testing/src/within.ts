/**
 * Resolves once `check` holds, or rejects after `ms`. A deadline a behaviour must meet (such as
 * "caches see a change within one second"), polled every 10 ms; never a sleep. `check` may be
 * async (a database read): it is then awaited before the next poll.
 */
export async function within(ms: number, check: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) {
      throw new Error(`condition not met within ${ms} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}
