import { Queue } from 'bullmq';
import { testRedisPrefix } from '../../../test/support/test-database';
import { JOBS, QUEUES, refreshJobId } from './job-catalog';
import { JobProducer } from './job.producer';

/** Issue 10 §1: one refresh job per connection generation, queued by the producer. */
describe('JobProducer: refresh jobs', () => {
  const prefix = testRedisPrefix();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let producer: JobProducer;
  let queue: Queue;

  beforeAll(() => {
    producer = new JobProducer(redisUrl, prefix);
    queue = new Queue(QUEUES.tokenRefresh, {
      prefix: `${prefix}bull`,
      connection: { url: redisUrl },
    });
  });

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await producer.close();
  });

  it('refreshes queued at once go to Redis as one addBulk, one job per generation (the id dedupes)', async () => {
    const addBulk = jest.spyOn(Queue.prototype, 'addBulk');
    const add = jest.spyOn(Queue.prototype, 'add');
    const runAt = Date.now() + 60_000;
    const payloads = Array.from({ length: 10 }, (_, i) => ({
      connectionId: crypto.randomUUID(),
      generation: i,
    }));
    await Promise.all([
      ...payloads.map((p) => producer.scheduleRefresh(p, runAt)),
      producer.scheduleRefresh(payloads[0], runAt + 5000),
    ]);
    expect(addBulk).toHaveBeenCalledTimes(1);
    expect(add).not.toHaveBeenCalled();
    addBulk.mockRestore();
    add.mockRestore();
    const delayed = await queue.getDelayed();
    expect(delayed.map((j) => j.id).sort()).toEqual(payloads.map((p) => refreshJobId(p)).sort());
    expect(delayed.every((j) => j.name === JOBS.tokenRefresh)).toBe(true);
    // Queued again later: still the one job.
    await producer.scheduleRefresh(payloads[1], runAt);
    expect(await queue.getDelayedCount()).toBe(10);
  });
});
