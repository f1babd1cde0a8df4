import { setTimeout as pause } from 'node:timers/promises';
import { within } from '@app/testing';
import { CuttablePgProxy, OwnRedis } from '../support/outage-doubles';
import { sampleSum, scrape } from '../support/prometheus-text';
import { INTERNAL_API_TOKEN } from '../support/admin-api.harness';
import { startAppProcess } from '../support/gateway-process';
import { freePort, RefreshWorkersRig } from '../support/refresh-workers.harness';

const CONNECTIONS = 300;

/**
 * Issue 10 §2 outages: the workers ride out a Redis restart that loses every job (they reconnect
 * by themselves and the sweep rebuilds the queue from Postgres) and a short Postgres outage (jobs
 * fail and retry with backoff; an outage never marks a connection needs_reauth).
 */
describe('token refresh through outages (real worker processes)', () => {
  it('Redis killed and restarted empty mid-load: the same worker and gateway processes go not-ready and come back without a restart, the sweep re-queues, every connection is refreshed', async () => {
    const redis = await new OwnRedis().start();
    const rig = await new RefreshWorkersRig({ latencyMs: 20, expiresIn: 3600 }, redis.url).start();
    try {
      await rig.seedDue(CONNECTIONS);
      const port = await freePort();
      const worker = await rig.startWorker({
        REFRESH_SWEEP_EVERY_MS: '1000',
        WORKERS_PORT: String(port),
      });
      // A gateway on the same Redis (its sessions, rate limits, announcements live there): it must
      // come back by itself too. No broker is needed to answer readiness.
      const gatewayPort = await freePort();
      const gateway = await startAppProcess(
        'gateway',
        {
          DATABASE_URL: rig.database.url,
          REDIS_URL: redis.url,
          REDIS_KEY_PREFIX: rig.prefix,
          GATEWAY_HOST: '127.0.0.1',
          GATEWAY_PORT: String(gatewayPort),
          GATEWAY_METRICS_PORT: String(await freePort()),
          BROKER_INTERNAL_URL: 'http://127.0.0.1:9',
          INTERNAL_API_TOKEN,
          LOG_LEVEL: 'info',
        },
        /"msg":"gateway listening"/,
      );
      const readyOf = (url: string) => async () => {
        const response = await fetch(`${url}/readyz`);
        return { status: response.status, body: (await response.json()) as { status: string } };
      };
      const readyz = readyOf(`http://127.0.0.1:${port}`);
      const gatewayReadyz = readyOf(`http://127.0.0.1:${gatewayPort}`);
      try {
        await within(30_000, async () => (await gatewayReadyz()).status === 200);
        await within(60_000, async () => (await rig.unrefreshed()) < CONNECTIONS - 30);

        await redis.kill();
        await within(15_000, async () => (await readyz()).status === 503);
        await within(15_000, async () => (await gatewayReadyz()).status === 503);
        await redis.start();
        await within(30_000, async () => (await gatewayReadyz()).status === 200);
        expect(gateway.child.exitCode).toBeNull();

        await within(90_000, async () => (await rig.unrefreshed()) === 0);
        expect(worker.child.exitCode).toBeNull();
        expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready' } });
        const verdict = await rig.verdict();
        expect(verdict.violations).toEqual([]);
        expect(verdict).toMatchObject({ active: CONNECTIONS, needsReauth: 0 });
        expect(rig.mock.stats.reuses).toBe(0);
      } finally {
        await gateway.stop('SIGKILL');
      }
    } finally {
      await rig.close();
      await redis.kill();
    }
  }, 150_000);

  it('Postgres unreachable for 3 s mid-load: jobs retry with backoff, nothing is marked needs_reauth, every connection is refreshed', async () => {
    const proxy = await new CuttablePgProxy().start();
    const rig = await new RefreshWorkersRig({ latencyMs: 20, expiresIn: 3600 }).start();
    try {
      await rig.seedDue(CONNECTIONS);
      const port = await freePort();
      const worker = await rig.startWorker({
        DATABASE_URL: proxy.through(rig.database.url),
        WORKERS_PORT: String(port),
      });
      await within(60_000, async () => (await rig.unrefreshed()) < CONNECTIONS - 30);

      await proxy.cut();
      await pause(3000);
      await proxy.restore();

      await within(90_000, async () => (await rig.unrefreshed()) === 0);
      expect(worker.child.exitCode).toBeNull();
      const verdict = await rig.verdict();
      expect(verdict.violations).toEqual([]);
      expect(verdict).toMatchObject({ active: CONNECTIONS, needsReauth: 0 });
      expect(rig.mock.stats.reuses).toBe(0);
      // The jobs that met the outage failed (the job threw, or the refresh answered retry) and were
      // retried with backoff, then succeeded: the worker's own refresh counter says so (completed
      // jobs are removed, so their attempt counts are gone).
      const samples = await scrape(`http://127.0.0.1:${port}`);
      expect(
        sampleSum(samples, 'auth_token_refresh_total', { outcome: 'error' }) +
          sampleSum(samples, 'auth_token_refresh_total', { outcome: 'retry' }),
      ).toBeGreaterThan(0);
    } finally {
      await rig.close();
      await proxy.cut();
    }
  }, 150_000);
});
