import 'reflect-metadata';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, PolicyRepository } from '@app/persistence';
import { PolicyCache, policyChannel } from '@app/policy-cache';
import { within } from '@app/testing';
import { startAdminApi, type AdminApiHarness } from '../support/admin-api.harness';
import { call } from '../support/http';

describe('policy change propagation through the admin API', () => {
  let h: AdminApiHarness;
  let dataSource: DataSource;
  const caches: PolicyCache[] = [];
  const subscribers: Redis[] = [];

  beforeAll(async () => {
    h = await startAdminApi();
    dataSource = await new DataSource(
      buildDataSourceOptions(h.database.url, { poolSize: 2 }),
    ).initialize();
    const repository = new PolicyRepository(dataSource);
    for (let i = 0; i < 2; i += 1) {
      const subscriber = new Redis(h.config.REDIS_URL, { enableReadyCheck: false });
      subscribers.push(subscriber);
      // Polling far beyond the deadline: only the announcement can deliver the change in time.
      const cache = new PolicyCache(repository, subscriber, {
        channel: policyChannel(h.config.REDIS_KEY_PREFIX),
        pollIntervalMs: 60_000,
        defaultDecision: 'deny',
      });
      await cache.start();
      caches.push(cache);
    }
  });

  afterAll(async () => {
    await Promise.all(caches.map((c) => c.stop()));
    await Promise.all(subscribers.map((s) => s.quit()));
    await dataSource.destroy();
    await h.close();
  });

  it('two caches (as in two gateway processes) serve a change made through the API within one second', async () => {
    const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
      body: {
        name: 'github',
        match_pattern: 'github.*',
        priority: 10,
        auth_method: { type: 'oauth', provider: 'github' },
      },
    });
    expect(created.status).toBe(201);
    const version = Number(created.headers.get('x-policy-set-version'));
    await within(1000, () => caches.every((c) => c.version === version));
    for (const cache of caches) {
      expect(cache.resolve('github.create_issue')).toMatchObject({
        decision: 'allow',
        policy: { name: 'github' },
      });
    }

    const denied = await call(h.baseUrl, 'PATCH', `/admin/v1/policies/${created.json.id}`, {
      body: { auth_method: { type: 'deny', provider: null, scopes: null } },
    });
    expect(denied.status).toBe(200);
    const next = Number(denied.headers.get('x-policy-set-version'));
    await within(1000, () => caches.every((c) => c.version === next));
    for (const cache of caches) {
      expect(cache.resolve('github.create_issue').decision).toBe('deny');
    }
  });

  it('imports the legacy three-tier configuration through PUT and resolves tool > capability > server', async () => {
    const legacy = `auth:
  enabled: true
  server_level:
    type: oauth
    provider: github
    scopes: ["user:email"]
  capabilities:
    google_workspace:
      type: oauth
      provider: google
      scopes: ["https://www.googleapis.com/auth/spreadsheets"]
  tools:
    admin_tool:
      type: api_key
      key_ref: admin_key
`;
    const res = await call(h.baseUrl, 'PUT', '/admin/v1/policies', {
      raw: legacy,
      contentType: 'application/yaml',
    });
    expect(res.json).toMatchObject({ changed: true });
    expect(res.status).toBe(200);
    const resolve = async (tool: string) =>
      (await call(h.baseUrl, 'GET', `/admin/v1/policies/resolve?tool=${tool}`)).json;
    expect((await resolve('ops.admin_tool')).auth_method).toEqual({
      type: 'api_key',
      key_ref: 'admin_key',
    });
    expect((await resolve('google_workspace.read_sheet')).auth_method).toMatchObject({
      type: 'oauth',
      provider: 'google',
    });
    expect((await resolve('slack.post')).auth_method).toMatchObject({
      type: 'oauth',
      provider: 'github',
    });
  });
});
