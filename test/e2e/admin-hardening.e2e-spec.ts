import 'reflect-metadata';
import { startAdminApi, type AdminApiHarness } from '../support/admin-api.harness';
import { call } from '../support/http';

const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const nestedYaml = (depth: number): string =>
  `auth_policies: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;

/** Defects found by probing the running admin API (issue 7, section 0). */
describe('admin API hardening', () => {
  let h: AdminApiHarness;
  let nextPriority = 5000;
  const policy = (overrides: Record<string, unknown> = {}) => {
    nextPriority += 1;
    return {
      name: `hardening ${nextPriority}`,
      match_pattern: `hard${nextPriority}.*`,
      priority: nextPriority,
      auth_method: { type: 'none' },
      ...overrides,
    };
  };

  beforeAll(async () => {
    h = await startAdminApi();
  });

  afterAll(async () => {
    await h.close();
  });

  describe('deeply nested bodies', () => {
    it('a JSON body nested 4,000 levels deep → 400 problem+json, not 500', async () => {
      for (const [method, path] of [
        ['POST', '/admin/v1/policies'],
        ['PUT', '/admin/v1/policies'],
        ['POST', '/admin/v1/providers'],
      ]) {
        const res = await call(h.baseUrl, method, path, { raw: nested(4000) });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.json).toMatchObject({ code: 'bad_request' });
        expect(res.json.detail).toMatch(/nested more than 32 levels/);
      }
    });

    it('a merge patch nested 4,000 levels deep → 400, not 500', async () => {
      const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body: policy() });
      expect(created.status).toBe(201);
      const res = await call(h.baseUrl, 'PATCH', `/admin/v1/policies/${created.json.id}`, {
        raw: `{"description_x":${nested(4000)}}`,
        contentType: 'application/merge-patch+json',
      });
      expect(res.status).toBe(400);
      expect(res.json.detail).toMatch(/nested more than 32 levels/);
    });

    it('a YAML policy set nested 4,000 levels deep → 422 with a body error, not 500', async () => {
      const res = await call(h.baseUrl, 'PUT', '/admin/v1/policies', {
        raw: nestedYaml(4000),
        contentType: 'application/yaml',
      });
      expect(res.status).toBe(422);
      expect(res.json.errors).toEqual([
        { field: 'body', message: 'the document is nested more than 32 levels deep' },
      ]);
    });

    it('a body within the limit is still accepted', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body: policy() });
      expect(res.status).toBe(201);
    });
  });

  describe('merge patch with prototype keys', () => {
    it('a patch with "__proto__" neither pollutes nor crashes', async () => {
      const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body: policy() });
      const res = await call(h.baseUrl, 'PATCH', `/admin/v1/policies/${created.json.id}`, {
        raw: '{"__proto__": {"polluted": true}}',
        contentType: 'application/merge-patch+json',
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const after = await call(h.baseUrl, 'GET', `/admin/v1/policies/${created.json.id}`);
      expect(after.json).not.toHaveProperty('polluted');
    });
  });

  describe('authentication by listener, not by the raw URL', () => {
    it('an unauthenticated /%61dmin/v1/policies POST with a malformed body → 401 (not 400)', async () => {
      const res = await call(h.baseUrl, 'POST', '/%61dmin/v1/policies', {
        raw: '{"broken',
        token: null,
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.json).toMatchObject({ code: 'unauthorized' });
    });

    it('an unauthenticated request to an unknown path → 401 (nothing is served to strangers)', async () => {
      const res = await call(h.baseUrl, 'POST', '/anything', { raw: '{"broken', token: null });
      expect(res.status).toBe(401);
    });
  });

  describe('format characters in policy names and patterns', () => {
    it.each([
      ['zero-width space', '\u200b'],
      ['right-to-left override', '\u202e'],
      ['left-to-right isolate', '\u2066'],
      ['word joiner', '\u2060'],
      ['byte order mark', '\ufeff'],
    ])('refuses a %s in name and match_pattern → 422 with field errors', async (_label, char) => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        body: policy({ name: `github${char} tools`, match_pattern: `github${char}.*` }),
      });
      expect(res.status).toBe(422);
      expect(res.json.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: 'name' }),
          expect.objectContaining({ field: 'match_pattern' }),
        ]),
      );
    });
  });

  describe('an empty body with Content-Type: application/json is no body', () => {
    it('DELETE /admin/v1/providers/<id> with the header and no body → 204', async () => {
      const created = await call(h.baseUrl, 'POST', '/admin/v1/providers', {
        body: {
          name: `github${nextPriority++}`,
          kind: 'github',
          client_id: 'Iv1.abc',
          client_secret: 'a-client-secret-of-some-length',
        },
      });
      expect(created.status).toBe(201);
      const res = await call(h.baseUrl, 'DELETE', `/admin/v1/providers/${created.json.id}`, {
        raw: '',
        contentType: 'application/json',
      });
      expect(res.status).toBe(204);
    });

    it('DELETE /admin/v1/policies/<id> with the header and no body → 204', async () => {
      const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body: policy() });
      const res = await call(h.baseUrl, 'DELETE', `/admin/v1/policies/${created.json.id}`, {
        raw: '',
        contentType: 'application/json',
      });
      expect(res.status).toBe(204);
    });

    it('POST with the header and no body → 422 (the body is missing), not 400', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        raw: '',
        contentType: 'application/json',
      });
      expect(res.status).toBe(422);
    });
  });
});

describe('metrics on the broker', () => {
  let h: AdminApiHarness;

  beforeAll(async () => {
    h = await startAdminApi();
  });

  afterAll(async () => {
    await h.close();
  });

  it('the public listener serves no /metrics (its registry describes the other listeners)', async () => {
    const res = await call(h.publicUrl, 'GET', '/metrics', { token: null });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('http_request_duration_seconds');
  });

  it('the admin listener serves the process metrics, each listener under its own label', async () => {
    expect((await call(h.publicUrl, 'GET', '/healthz', { token: null })).status).toBe(200);
    expect((await call(h.baseUrl, 'GET', '/admin/v1/policies')).status).toBe(200);
    const res = await call(h.baseUrl, 'GET', '/metrics', { token: null });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{[^}]*listener="public",[^}]*route="\/healthz"/,
    );
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{[^}]*listener="admin",[^}]*route="\/admin\/v1\/policies"/,
    );
  });
});
