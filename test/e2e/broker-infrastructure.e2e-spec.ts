import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type Redis from 'ioredis';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { Vault } from '@app/crypto';
import { JobProducer } from '@app/jobs';
import { MetricsService } from '@app/observability';
import { ProviderMetadataResolver } from '@app/provider-flows';
import { REDIS } from '@app/redis';
import { createBroker } from '../../apps/token-broker/src/create-broker';
import { BROKER_POOL_SIZE } from '../../apps/token-broker/src/infrastructure/broker-infrastructure';
import { startAdminApi, type AdminApiHarness } from '../support/admin-api.harness';
import { call } from '../support/http';

// Issue 7 §4: the admin, internal and public Nest containers of the one broker process share
// one infrastructure (one Postgres pool, one Redis client set, one provider-metadata cache),
// closed once after all three listeners stop. Booted as main.ts does (createBroker).
describe('one infrastructure for the broker process', () => {
  let h: AdminApiHarness;

  beforeAll(async () => {
    h = await startAdminApi();
  });

  afterAll(async () => {
    await h.close();
  });

  function containers(): NestFastifyApplication[] {
    return [h.publicApp, h.app, h.internalApp];
  }

  it.each([
    ['the Postgres data source (one pool)', DataSource, () => h.infrastructure.dataSource],
    ['the Redis client', REDIS, () => h.infrastructure.redis],
    ['the job producer', JobProducer, () => h.infrastructure.jobs],
    [
      'the provider-metadata resolver (its cache)',
      ProviderMetadataResolver,
      () => h.infrastructure.metadataResolver,
    ],
    ['the vault', Vault, () => h.infrastructure.vault],
  ] as const)('the three containers get the same instance of %s', (_name, token, shared) => {
    const [publicApp, adminApp, internalApp] = containers().map((app) =>
      app.get<unknown>(token as never, { strict: false }),
    );
    expect(publicApp).toBe(shared());
    expect(adminApp).toBe(shared());
    expect(internalApp).toBe(shared());
  });

  it('every listener is ready on it and Postgres sees one pool of the broker, no per-listener pools', async () => {
    for (const url of [h.publicUrl, h.baseUrl, h.internalUrl]) {
      expect((await call(url, 'GET', '/readyz')).status).toBe(200);
    }
    const rows: Array<{ application_name: string; connections: string }> =
      await h.infrastructure.dataSource.query(
        `SELECT application_name, count(*) AS connections FROM pg_stat_activity
          WHERE datname = current_database() AND application_name LIKE 'token-broker%'
          GROUP BY application_name`,
      );
    expect(rows.map((row) => row.application_name)).toEqual(['token-broker']);
    expect(Number(rows[0]!.connections)).toBeLessThanOrEqual(BROKER_POOL_SIZE);
  });
});

describe('closing the broker process', () => {
  let h: AdminApiHarness;

  beforeAll(async () => {
    h = await startAdminApi();
  });

  afterAll(async () => {
    await h.close();
  });

  it('a stopped listener leaves the shared pool and client to the others; close() ends each once', async () => {
    const broker = await createBroker(h.config, pino({ level: 'silent' }), new MetricsService('t'));
    const { dataSource, redis, jobs } = broker.infrastructure;
    const destroy = jest.spyOn(dataSource, 'destroy');
    const quit = jest.spyOn(redis as Redis, 'quit');
    const closeJobs = jest.spyOn(jobs, 'close');

    await broker.adminApp.close();
    expect(dataSource.isInitialized).toBe(true);
    expect(await (redis as Redis).ping()).toBe('PONG');
    expect(destroy).not.toHaveBeenCalled();

    await broker.publicApp.close();
    await broker.internalApp.close();
    expect(destroy).not.toHaveBeenCalled();
    expect(quit).not.toHaveBeenCalled();

    await expect(broker.infrastructure.close()).resolves.toBeUndefined();
    await expect(broker.infrastructure.close()).resolves.toBeUndefined();
    expect(destroy).toHaveBeenCalledTimes(1);
    expect(quit).toHaveBeenCalledTimes(1);
    expect(closeJobs).toHaveBeenCalledTimes(1);
    expect(dataSource.isInitialized).toBe(false);
  });

  it('a resource that fails to close (Redis gone at shutdown) leaves none of the others open', async () => {
    const broker = await createBroker(h.config, pino({ level: 'silent' }), new MetricsService('t'));
    await Promise.all(
      [broker.publicApp, broker.adminApp, broker.internalApp].map((a) => a.close()),
    );
    const { dataSource, redis, jobs } = broker.infrastructure;
    const failure = new Error('queue connection lost');
    jest.spyOn(jobs, 'close').mockRejectedValueOnce(failure);
    const quit = jest.spyOn(redis as Redis, 'quit');

    await expect(broker.infrastructure.close()).rejects.toBe(failure);
    expect(quit).toHaveBeenCalledTimes(1);
    expect(dataSource.isInitialized).toBe(false);
    // The job producer's own connections, left open by the mocked close, are closed here.
    await jobs.close();
  });

  it('Broker.close stops the three listeners, then closes the shared resources once, without errors', async () => {
    const broker = await createBroker(h.config, pino({ level: 'silent' }), new MetricsService('t'));
    const apps = [broker.publicApp, broker.adminApp, broker.internalApp];
    await Promise.all(apps.map((app) => app.listen(0, '127.0.0.1')));
    const { dataSource } = broker.infrastructure;
    const listeningAtDestroy: boolean[] = [];
    const destroy = dataSource.destroy.bind(dataSource);
    const spy = jest.spyOn(dataSource, 'destroy').mockImplementation(() => {
      listeningAtDestroy.push(...apps.map((app) => app.getHttpServer().listening));
      return destroy();
    });
    await expect(broker.close()).resolves.toBeUndefined();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(listeningAtDestroy).toEqual([false, false, false]);
    expect(dataSource.isInitialized).toBe(false);
  });
});
