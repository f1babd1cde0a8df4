import { Writable } from 'node:stream';
import { createLogger } from '@app/observability';
import { ADMIN_TOKEN, startAdminApi, type AdminApiHarness } from '../support/admin-api.harness';
import { call } from '../support/http';

describe('admin API logs (SPEC-MUST 34, 37)', () => {
  let h: AdminApiHarness;
  const lines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    h = await startAdminApi({}, createLogger('token-broker', 'trace', sink));
  });

  afterAll(async () => {
    await h.close();
  });

  it('logs every request as JSON with a correlation id and never the admin token', async () => {
    await call(h.baseUrl, 'GET', '/admin/v1/policies');
    await call(h.baseUrl, 'GET', '/admin/v1/policies', { token: `${ADMIN_TOKEN}-wrong` });
    await call(h.baseUrl, 'POST', '/admin/v1/policies', {
      body: { name: 'n', match_pattern: 'n.*', priority: 1, auth_method: { type: 'none' } },
      headers: { 'x-request-id': 'corr-123', cookie: `session=${ADMIN_TOKEN}` },
    });
    const text = lines.join('\n');
    expect(text).not.toContain(ADMIN_TOKEN);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const completed = parsed.filter((l) => l.msg === 'request completed');
    expect(completed.length).toBeGreaterThanOrEqual(3);
    expect(completed.every((l) => typeof l.correlation_id === 'string')).toBe(true);
    expect(parsed.some((l) => l.correlation_id === 'corr-123')).toBe(true);
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const kept = await call(h.baseUrl, 'GET', '/healthz', {
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await call(h.baseUrl, 'GET', '/healthz', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves /healthz, /readyz and /metrics without the admin token', async () => {
    expect((await call(h.baseUrl, 'GET', '/healthz', { token: null })).json).toEqual({
      status: 'ok',
    });
    const ready = await call(h.baseUrl, 'GET', '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({
      status: 'ready',
      checks: { redis: 'ok', postgres: 'ok', policy_set: 'ok', upstreams: 'ok' },
    });
    const metrics = await call(h.baseUrl, 'GET', '/metrics', { token: null });
    expect(metrics.text).toContain('http_request_duration_seconds');
    expect(metrics.text).not.toContain(ADMIN_TOKEN);
  });
});
