import { setTimeout as pause } from 'node:timers/promises';
import { JOBS, refreshJobOptions } from '@app/jobs';
import { within } from '@app/testing';
import type { AppProcess } from '../support/gateway-process';
import { RefreshWorkersRig } from '../support/refresh-workers.harness';

// scripts/soak-refresh-kill.js runs this file with more kills and connections.
const KILLS = Number(process.env.SOAK_REFRESH_KILLS ?? 20);
const CONNECTIONS = Number(process.env.SOAK_REFRESH_CONNECTIONS ?? 200);

/**
 * Issue 10 §2 crash safety: two `workers` processes refresh connections whose 6-second tokens
 * keep them due, against a strict-rotation provider answering in 200 ms so that every kill
 * lands with refreshes in flight; one process is killed with SIGKILL and replaced, over and over.
 * A kill after the provider answered and before the write cannot be saved by anyone (the
 * provider rotated, we lost the answer): that connection must end `needs_reauth` after one
 * `invalid_grant`, never `active` with a dead refresh token; every other one ends `active` with
 * the latest refresh token; none lost, none leased.
 */
describe('RFC 6749 §6 strict rotation: worker processes killed with SIGKILL mid-refresh', () => {
  const rig = new RefreshWorkersRig({ latencyMs: 200, expiresIn: 6 });

  beforeAll(async () => {
    await rig.start();
  });

  afterAll(async () => {
    await rig.close();
  });

  it(
    `${KILLS} kills: every connection active with the latest refresh token, or needs_reauth after its answer was lost`,
    async () => {
      const ids = await rig.seedDue(CONNECTIONS);
      // Three slots: a replacement boots while the other two work (and one of them is killed next).
      const slots: Promise<AppProcess>[] = [0, 1, 2].map(() => rig.startWorker());
      const refreshedBefore: number[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        const slot = kill % slots.length;
        const victim = await slots[slot];
        // Pacing only (nothing is asserted on time): let the new process pick up jobs first.
        await pause(150 + Math.floor(Math.random() * 300));
        refreshedBefore.push(rig.mock.stats.refreshes);
        await victim.stop('SIGKILL');
        slots[slot] = rig.startWorker();
      }
      const workers = await Promise.all(slots);
      // Work went on throughout: the provider kept answering between kills.
      expect(rig.mock.stats.refreshes).toBeGreaterThan(refreshedBefore[0] + KILLS);

      // From now on tokens live an hour, so a refreshed connection is done. The jobs the killed
      // processes held stay locked for BullMQ's lock duration (30 s) before stall detection hands
      // them back; instead one check per connection is queued under its own id.
      rig.mock.options.expiresIn = 3600;
      const rows = await rig.rows();
      await rig.queue.addBulk(
        rows.map((row) => {
          const payload = { connectionId: row.id, generation: row.refresh_generation };
          return {
            name: JOBS.tokenRefresh,
            data: payload,
            opts: { ...refreshJobOptions(payload, Date.now(), 8), jobId: `check_${row.id}` },
          };
        }),
      );
      await within(60_000, async () => (await rig.unsettled()) === 0);

      for (const worker of workers) {
        expect(await worker.stop('SIGTERM')).toMatchObject({ code: 0 });
      }

      const verdict = await rig.verdict();
      expect(verdict.violations).toEqual([]);
      expect(verdict.active + verdict.needsReauth).toBe(ids.length);
      // A duplicate presentation only ever came from a burnt connection (checked per connection
      // above); one killed while it handled its invalid_grant presents the dead token once more.
      expect(rig.mock.stats.reuses).toBeGreaterThanOrEqual(verdict.needsReauth);
      // At most what was in flight when the processes died (20 jobs at once per process).
      expect(verdict.needsReauth).toBeLessThanOrEqual(KILLS * 20);
      process.stdout.write(
        `crash test: ${KILLS} kills, ${rig.mock.stats.refreshes} refreshes, ` +
          `${verdict.active} active, ${verdict.needsReauth} needs_reauth (answer lost in a kill)\n`,
      );
    },
    150_000 + Math.max(0, KILLS - 20) * 6000,
  );
});
