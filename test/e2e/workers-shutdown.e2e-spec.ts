import { RefreshWorkersRig } from '../support/refresh-workers.harness';

const CONNECTIONS = 200;
// Generous: CI runs many suites on two cores; the rule is "in-flight work finishes", not speed.
const SHUTDOWN_TIMEOUT_MS = 20_000;

/**
 * Issue 10 §2 graceful shutdown: SIGTERM while refreshes are in flight (a provider answering in
 * 300 ms, 20 at once) lets them finish: the process exits 0 within SHUTDOWN_TIMEOUT_MS, no lease
 * is left behind, and every answer the provider gave was stored (nothing burnt by a restart).
 */
describe('workers graceful shutdown (SIGTERM) during token refresh', () => {
  const rig = new RefreshWorkersRig({ latencyMs: 300, expiresIn: 3600 });

  beforeAll(async () => {
    await rig.start();
  });

  afterAll(async () => {
    await rig.close();
  });

  it('finishes the refreshes in flight, releases every lease, exits 0 in time; a new process carries on', async () => {
    await rig.seedDue(CONNECTIONS);
    const worker = await rig.startWorker({
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
    await rig.until(60_000, async () => (await rig.unrefreshed()) < CONNECTIONS - 20);

    const stopped = await worker.stop('SIGTERM');
    // The exit code with the process's last lines, so a failure says why it exited.
    expect({
      code: stopped.code,
      tail: stopped.code === 0 ? '' : worker.output().slice(-3000),
    }).toEqual({ code: 0, tail: '' });
    expect(stopped.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(worker.output()).not.toMatch(/shutdown timed out/);

    const rows = await rig.rows();
    expect(rows.filter((row) => row.refresh_lease_token !== null)).toEqual([]);
    const refreshed = rows.filter((row) => row.last_refreshed_at !== null).length;
    expect(refreshed).toBe(rig.mock.stats.refreshes);
    expect(refreshed).toBeLessThan(CONNECTIONS);
    const verdict = await rig.verdict();
    expect(verdict.violations).toEqual([]);
    expect(verdict).toMatchObject({ active: CONNECTIONS, needsReauth: 0 });

    await rig.startWorker();
    await rig.until(90_000, async () => (await rig.unrefreshed()) === 0);
    expect(rig.mock.stats).toMatchObject({ refreshes: CONNECTIONS, reuses: 0 });
  }, 150_000);
});
