import 'reflect-metadata';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, UpstreamRepository } from '@app/persistence';
import { within } from '@app/testing';
import { UpstreamCache, upstreamChannel } from '@app/upstream-cache';
import { startAdminApi, type AdminApiHarness } from '../support/admin-api.harness';
import { call, type HttpResult } from '../support/http';

const PATH = '/admin/v1/upstreams';

/** The one error of a 422 problem answer, checked to be the wire shape of the admin API. */
function fieldError(res: HttpResult): { field: string; message: string } {
  expect(res.status).toBe(422);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.json).toMatchObject({ status: 422, code: 'validation_failed' });
  expect(res.json.errors).toHaveLength(1);
  return res.json.errors[0];
}

describe('admin API: /admin/v1/upstreams', () => {
  let h: AdminApiHarness;
  let ds: DataSource;
  const create = (body: unknown) => call(h.baseUrl, 'POST', PATH, { body });

  beforeAll(async () => {
    h = await startAdminApi();
    ds = await new DataSource(buildDataSourceOptions(h.database.url, { poolSize: 1 })).initialize();
  });

  afterAll(async () => {
    await ds.destroy();
    await h.close();
  });

  describe('create, read, replace, patch, delete', () => {
    let id: string;

    it('creates an upstream with the defaults filled (201, Location, ETag)', async () => {
      const res = await create({ name: 'github', url: 'https://mcp.github.example/mcp' });
      expect(res.status).toBe(201);
      id = res.json.id;
      expect(res.headers.get('location')).toBe(`${PATH}/${id}`);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.json).toEqual({
        id,
        name: 'github',
        url: 'https://mcp.github.example/mcp',
        credential_injection: { type: 'authorization' },
        connect_timeout_ms: 5000,
        request_timeout_ms: 60000,
        enabled: true,
        description: '',
        row_version: 1,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
    });

    it('allows loopback and private addresses over plain http (operator-set)', async () => {
      for (const [name, url] of [
        ['local', 'http://127.0.0.1:9000/mcp'],
        ['intranet', 'http://10.1.2.3/mcp'],
        ['sidecar', 'http://localhost:3001'],
      ]) {
        const res = await create({ name, url, credential_injection: { type: 'none' } });
        expect(res.status).toBe(201);
        expect(res.json.url).toBe(url);
      }
    });

    it('lists by name and gets one with its ETag', async () => {
      const list = await call(h.baseUrl, 'GET', PATH);
      expect(list.status).toBe(200);
      expect(list.json.items.map((u: { name: string }) => u.name)).toEqual([
        'github',
        'intranet',
        'local',
        'sidecar',
      ]);
      const one = await call(h.baseUrl, 'GET', `${PATH}/${id}`);
      expect(one.status).toBe(200);
      expect(one.headers.get('etag')).toBe('"1"');
      expect(one.json.name).toBe('github');
      expect(
        (await call(h.baseUrl, 'GET', `${PATH}/00000000-0000-4000-8000-000000000000`)).status,
      ).toBe(404);
    });

    it('replaces with PUT (omitted fields take their defaults)', async () => {
      const res = await call(h.baseUrl, 'PUT', `${PATH}/${id}`, {
        body: {
          name: 'github',
          url: 'https://mcp.github.example/v2',
          credential_injection: { type: 'header', name: 'X-GitHub-Token' },
          connect_timeout_ms: 2000,
          request_timeout_ms: 120000,
          enabled: false,
          description: 'GitHub MCP server',
        },
        headers: { 'if-match': '"1"' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.json).toMatchObject({
        url: 'https://mcp.github.example/v2',
        credential_injection: { type: 'header', name: 'X-GitHub-Token' },
        connect_timeout_ms: 2000,
        request_timeout_ms: 120000,
        enabled: false,
        description: 'GitHub MCP server',
        row_version: 2,
      });
      const back = await call(h.baseUrl, 'PUT', `${PATH}/${id}`, {
        body: { name: 'github', url: 'https://mcp.github.example/v2' },
        headers: { 'if-match': '"2"' },
      });
      expect(back.json).toMatchObject({
        credential_injection: { type: 'authorization' },
        connect_timeout_ms: 5000,
        request_timeout_ms: 60000,
        enabled: true,
        description: '',
        row_version: 3,
      });
    });

    it('patches only what the merge patch names', async () => {
      const res = await call(h.baseUrl, 'PATCH', `${PATH}/${id}`, {
        body: { enabled: false, description: 'paused' },
        contentType: 'application/merge-patch+json',
      });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        url: 'https://mcp.github.example/v2',
        enabled: false,
        description: 'paused',
        row_version: 4,
      });
      const header = await call(h.baseUrl, 'PATCH', `${PATH}/${id}`, {
        body: { credential_injection: { type: 'header', name: 'X-Api-Key' } },
        headers: { 'if-match': '"4"' },
      });
      expect(header.json.credential_injection).toEqual({ type: 'header', name: 'X-Api-Key' });
      // RFC 7396: switching away from a header removes its name explicitly.
      const none = await call(h.baseUrl, 'PATCH', `${PATH}/${id}`, {
        body: { credential_injection: { type: 'none', name: null } },
      });
      expect(none.status).toBe(200);
      expect(none.json.credential_injection).toEqual({ type: 'none' });
      expect(none.json.row_version).toBe(6);
    });

    it('deletes (204) and then answers 404', async () => {
      const res = await call(h.baseUrl, 'DELETE', `${PATH}/${id}`, {
        headers: { 'if-match': '"6"' },
      });
      expect(res.status).toBe(204);
      expect((await call(h.baseUrl, 'GET', `${PATH}/${id}`)).status).toBe(404);
      const [{ count }] = await ds.query(
        'SELECT count(*)::int AS count FROM upstreams WHERE id = $1',
        [id],
      );
      expect(count).toBe(0);
    });
  });

  describe('propagation to every upstream cache', () => {
    let subscriber: Redis;
    let cache: UpstreamCache;

    beforeAll(async () => {
      // Another process's cache (a gateway): polling far beyond the deadline, so only the
      // admin API's announcement can make it in time.
      subscriber = new Redis(h.config.REDIS_URL, { enableReadyCheck: false });
      cache = new UpstreamCache(new UpstreamRepository(ds), subscriber, {
        channel: upstreamChannel(h.config.REDIS_KEY_PREFIX),
        pollIntervalMs: 60_000,
      });
      await cache.start();
    });

    afterAll(async () => {
      await cache.stop();
      await subscriber.quit();
    });

    it('create, patch and delete reach another cache within one second', async () => {
      const created = await create({ name: 'propagated', url: 'http://127.0.0.1:4000/mcp' });
      expect(created.status).toBe(201);
      await within(1000, () => cache.get('propagated') !== undefined);
      expect(cache.get('propagated')).toMatchObject({ url: 'http://127.0.0.1:4000/mcp' });

      const patched = await call(h.baseUrl, 'PATCH', `${PATH}/${created.json.id}`, {
        body: { enabled: false },
      });
      expect(patched.status).toBe(200);
      await within(1000, () => cache.get('propagated')?.enabled === false);

      const deleted = await call(h.baseUrl, 'DELETE', `${PATH}/${created.json.id}`);
      expect(deleted.status).toBe(204);
      await within(1000, () => cache.get('propagated') === undefined);
    });

    it("the broker's own cache holds the change when the admin answer arrives", async () => {
      const created = await create({ name: 'read-your-writes', url: 'http://127.0.0.1:4001/mcp' });
      expect(created.status).toBe(201);
      expect(h.infrastructure.upstreams.get('read-your-writes')?.name).toBe('read-your-writes');
      await call(h.baseUrl, 'DELETE', `${PATH}/${created.json.id}`);
      expect(h.infrastructure.upstreams.get('read-your-writes')).toBeUndefined();
    });
  });

  describe('RFC 9110 If-Match', () => {
    it('answers 412 to a stale ETag on PUT, PATCH and DELETE and changes nothing', async () => {
      const created = await create({ name: 'etag-check', url: 'https://etag.example/mcp' });
      const url = `${PATH}/${created.json.id}`;
      const stale = { 'if-match': '"7"' };
      for (const res of [
        await call(h.baseUrl, 'PUT', url, {
          body: { name: 'etag-check', url: 'https://changed.example/mcp' },
          headers: stale,
        }),
        await call(h.baseUrl, 'PATCH', url, { body: { enabled: false }, headers: stale }),
        await call(h.baseUrl, 'DELETE', url, { headers: stale }),
      ]) {
        expect(res.status).toBe(412);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.json.code).toBe('precondition_failed');
      }
      const after = await call(h.baseUrl, 'GET', url);
      expect(after.json).toMatchObject({
        url: 'https://etag.example/mcp',
        enabled: true,
        row_version: 1,
      });
    });
  });

  describe('unique names', () => {
    it('answers 409 with a field error to a duplicate name, on create and on rename', async () => {
      await create({ name: 'dup', url: 'https://a.example/mcp' });
      const again = await create({ name: 'dup', url: 'https://b.example/mcp' });
      expect(again.status).toBe(409);
      expect(again.json).toMatchObject({ code: 'conflict' });
      expect(again.json.errors).toEqual([expect.objectContaining({ field: 'name' })]);
      const other = await create({ name: 'dup-2', url: 'https://b.example/mcp' });
      const rename = await call(h.baseUrl, 'PATCH', `${PATH}/${other.json.id}`, {
        body: { name: 'dup' },
      });
      expect(rename.status).toBe(409);
    });
  });

  describe('field errors (422 problem+json)', () => {
    const valid = { name: 'valid', url: 'https://valid.example/mcp' };

    it.each([
      ['uppercase', 'GitHub'],
      ['a dot (it separates upstream from tool)', 'git.hub'],
      ['64 characters', 'a'.repeat(64)],
      ['a leading dash', '-github'],
      ['empty', ''],
    ])('refuses a name with %s', async (_why, name) => {
      expect(fieldError(await create({ ...valid, name })).field).toBe('name');
    });

    it('accepts a name of 63 characters with digits, - and _', async () => {
      const name = `0a-b_${'c'.repeat(58)}`;
      expect(name).toHaveLength(63);
      expect((await create({ ...valid, name })).status).toBe(201);
    });

    it.each([
      ['ftp:', 'ftp://files.example/mcp'],
      ['userinfo', 'https://user:secret@mcp.example/mcp'],
      ['a user name only', 'https://user@mcp.example/mcp'],
      ['a fragment', 'https://mcp.example/mcp#tools'],
      ['no scheme', 'mcp.example/mcp'],
      ['javascript:', 'javascript:alert(1)'],
    ])('refuses a url with %s', async (_why, url) => {
      const error = fieldError(await create({ ...valid, url }));
      expect(error).toEqual({
        field: 'url',
        message: 'must be an http:// or https:// URL without credentials or fragment',
      });
    });

    it.each([
      ['not an HTTP token', 'X Api Key'],
      ['a colon', 'X-Key:'],
      ['Host', 'Host'],
      ['Content-Length', 'content-length'],
      ['Cookie', 'Cookie'],
      ['a hop-by-hop header', 'Connection'],
      ['Transfer-Encoding', 'Transfer-Encoding'],
      ['an MCP transport header', 'Mcp-Session-Id'],
      ['Authorization (use type authorization)', 'Authorization'],
      ['empty', ''],
    ])('refuses an injection header name that is %s', async (_why, name) => {
      const error = fieldError(
        await create({ ...valid, credential_injection: { type: 'header', name } }),
      );
      expect(error.field).toBe('credential_injection.name');
    });

    it('refuses an unknown injection type and a header injection without a name', async () => {
      expect(
        fieldError(await create({ ...valid, credential_injection: { type: 'basic' } })).field,
      ).toBe('credential_injection.type');
      expect(
        fieldError(await create({ ...valid, credential_injection: { type: 'header' } })),
      ).toEqual({ field: 'credential_injection.name', message: 'is required' });
      expect(
        fieldError(
          await create({ ...valid, credential_injection: { type: 'none', name: 'X-Key' } }),
        ),
      ).toEqual({ field: 'credential_injection.name', message: 'unknown field' });
    });

    it.each([
      ['connect_timeout_ms', 99, 'must be at least 100'],
      ['connect_timeout_ms', 60001, 'must be at most 60000'],
      ['connect_timeout_ms', 1500.5, 'must be an integer'],
      ['request_timeout_ms', 999, 'must be at least 1000'],
      ['request_timeout_ms', 3600001, 'must be at most 3600000'],
    ])('refuses %s = %p', async (field, value, message) => {
      expect(
        fieldError(
          await create({
            ...valid,
            connect_timeout_ms: 1000,
            request_timeout_ms: 60000,
            [field]: value,
          }),
        ),
      ).toEqual({ field, message });
    });

    it('refuses a timeout given as a string', async () => {
      expect(fieldError(await create({ ...valid, request_timeout_ms: '60000' })).field).toBe(
        'request_timeout_ms',
      );
    });

    it('refuses a connect timeout longer than the request timeout', async () => {
      expect(
        fieldError(await create({ ...valid, connect_timeout_ms: 5000, request_timeout_ms: 2000 })),
      ).toEqual({ field: 'connect_timeout_ms', message: 'must not exceed request_timeout_ms' });
    });

    it('refuses unknown fields and a missing url', async () => {
      expect(fieldError(await create({ ...valid, headers: {} }))).toEqual({
        field: 'headers',
        message: 'unknown field',
      });
      expect(fieldError(await create({ name: 'no-url' }))).toEqual({
        field: 'url',
        message: 'is required',
      });
    });

    it('stored nothing for any refused body', async () => {
      const rows: { name: string }[] = await ds.query('SELECT name FROM upstreams');
      expect(rows.map((r) => r.name)).not.toContain('valid');
    });
  });

  describe('audit trail', () => {
    it('records create, update and delete with before and after', async () => {
      const created = await create({
        name: 'audited',
        url: 'http://127.0.0.1:7000/mcp',
        credential_injection: { type: 'header', name: 'X-Api-Key' },
      });
      const id = created.json.id;
      await call(h.baseUrl, 'PATCH', `${PATH}/${id}`, { body: { request_timeout_ms: 30000 } });
      // A no-op write records nothing.
      await call(h.baseUrl, 'PATCH', `${PATH}/${id}`, { body: { request_timeout_ms: 30000 } });
      await call(h.baseUrl, 'DELETE', `${PATH}/${id}`);
      const audit = await call(
        h.baseUrl,
        'GET',
        `/admin/v1/audit?resource_type=upstream&resource_id=${id}`,
      );
      expect(audit.status).toBe(200);
      const view = {
        id,
        name: 'audited',
        url: 'http://127.0.0.1:7000/mcp',
        credential_injection: { type: 'header', name: 'X-Api-Key' },
        connect_timeout_ms: 5000,
        enabled: true,
        description: '',
      };
      expect(audit.json.events).toEqual([
        expect.objectContaining({
          action: 'upstream.delete',
          resource_type: 'upstream',
          resource_id: id,
          before: { ...view, request_timeout_ms: 30000 },
          after: null,
        }),
        expect.objectContaining({
          action: 'upstream.update',
          before: { ...view, request_timeout_ms: 60000 },
          after: { ...view, request_timeout_ms: 30000 },
        }),
        expect.objectContaining({
          action: 'upstream.create',
          before: null,
          after: { ...view, request_timeout_ms: 60000 },
        }),
      ]);
    });
  });

  describe('OpenAPI document', () => {
    it('describes the upstreams routes', async () => {
      const res = await call(h.baseUrl, 'GET', '/admin/docs/openapi.json', { token: null });
      expect(Object.keys(res.json.paths)).toEqual(expect.arrayContaining([PATH, `${PATH}/{id}`]));
      expect(res.json.paths[PATH].post.tags).toEqual(['upstreams']);
    });
  });

  it('requires the admin token', async () => {
    const res = await call(h.baseUrl, 'GET', PATH, { token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
