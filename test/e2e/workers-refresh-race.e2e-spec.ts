import { JOBS, refreshJobOptions } from '@app/jobs';
import { within } from '@app/testing';
import { RefreshWorkersRig } from '../support/refresh-workers.harness';

const CONNECTIONS = 1000;

/**
 * Issue 10 §2 single flight: two `workers` processes (20 jobs at once each) race on 1,000
 * connections that are all due, against a provider with strict rotation. Every refresh is queued
 * twice under two ids (the sweep's, which both processes run at start, and a duplicate as a
 * second producer would queue it), so both processes try the same connections at the same time.
 */
describe('RFC 6749 §6 strict rotation: two worker processes, one refresh per connection generation', () => {
  const rig = new RefreshWorkersRig({ latencyMs: 5, expiresIn: 3600 });

  beforeAll(async () => {
    await rig.start();
  });

  afterAll(async () => {
    await rig.close();
  });

  it('1,000 due connections: 0 duplicate refreshes, 0 lost rotations, each refreshed once, all active', async () => {
    const ids = await rig.seedDue(CONNECTIONS);
    const runAt = Date.now();
    const payloads = ids.map((connectionId) => ({ connectionId, generation: 0 }));
    await rig.queue.addBulk(
      payloads.flatMap((payload) => [
        { name: JOBS.tokenRefresh, data: payload, opts: refreshJobOptions(payload, runAt, 8) },
        {
          name: JOBS.tokenRefresh,
          data: payload,
          opts: { ...refreshJobOptions(payload, runAt, 8), jobId: `race_${payload.connectionId}` },
        },
      ]),
    );
    const [a, b] = await Promise.all([rig.startWorker(), rig.startWorker()]);

    await within(90_000, async () => (await rig.unrefreshed()) === 0);
    await within(30_000, async () => (await rig.backlog()) === 0);

    const verdict = await rig.verdict();
    expect(verdict.violations).toEqual([]);
    expect(verdict).toMatchObject({ active: CONNECTIONS, needsReauth: 0 });
    expect(rig.mock.stats).toMatchObject({ refreshes: CONNECTIONS, reuses: 0, unknown: 0 });
    const rows = await rig.rows();
    expect(rows.filter((row) => row.refresh_generation !== 1)).toEqual([]);
    expect(await rig.queue.getJobCounts('failed')).toEqual({ failed: 0 });
    for (const worker of [a, b]) {
      expect(worker.child.exitCode).toBeNull();
    }
  }, 120_000);
});
