import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@app/persistence';
import { startAdminApi, type AdminApiHarness } from '../support/admin-api.harness';
import { call } from '../support/http';

const REFERENCE_YAML = `auth_policies:
  - name: "GitHub Tools"
    match_pattern: "github.*"
    priority: 100
    auth_method:
      type: oauth
      provider: github
      scopes: ["repo:read", "user:email"]

  - name: "Admin Tools"
    match_pattern: "admin.*"
    priority: 200
    auth_method:
      type: api_key
      key_ref: admin_key

  - name: "Default Auth"
    match_pattern: "*"
    priority: 1
    auth_method:
      type: oauth
      provider: github
      scopes: ["user:email"]
`;

const policy = (overrides: Record<string, unknown> = {}) => ({
  name: 'Slack tools',
  match_pattern: 'slack.*',
  priority: 50,
  auth_method: { type: 'oauth', provider: 'slack', scopes: ['chat:write'] },
  ...overrides,
});

describe('admin API: policies', () => {
  let h: AdminApiHarness;
  let nextPriority = 1000;
  const uniquePolicy = (overrides: Record<string, unknown> = {}) => {
    nextPriority += 1;
    return policy({
      name: `policy ${nextPriority}`,
      match_pattern: `up${nextPriority}.*`,
      priority: nextPriority,
      ...overrides,
    });
  };

  beforeAll(async () => {
    h = await startAdminApi();
  });

  afterAll(async () => {
    await h.close();
  });

  describe('authentication: Bearer ADMIN_TOKEN', () => {
    it('answers 401 problem+json with a Bearer challenge when the token is missing', async () => {
      const res = await call(h.baseUrl, 'GET', '/admin/v1/policies', { token: null });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.json).toMatchObject({ status: 401, code: 'unauthorized' });
    });

    it('answers 401 for a wrong token, including one that shares a prefix', async () => {
      for (const token of ['nope', 'test-admin-token-0123456789abcdeX', 'test-admin-token']) {
        expect((await call(h.baseUrl, 'GET', '/admin/v1/policies', { token })).status).toBe(401);
      }
    });

    it('does not accept the token in the query string', async () => {
      const res = await call(
        h.baseUrl,
        'GET',
        `/admin/v1/policies?access_token=${h.config.ADMIN_TOKEN}`,
        { token: null },
      );
      expect(res.status).toBe(401);
    });
  });

  describe('CRUD with ETag / If-Match', () => {
    it('creates a policy with defaults, a Location and an ETag', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body: uniquePolicy() });
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe(`/admin/v1/policies/${res.json.id}`);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.json).toMatchObject({ enabled: true, description: '', row_version: 1 });
      expect(Number(res.headers.get('x-policy-set-version'))).toBeGreaterThan(0);
    });

    it('reads one policy back with its ETag', async () => {
      const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body: uniquePolicy() });
      const res = await call(h.baseUrl, 'GET', `/admin/v1/policies/${created.json.id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.json.name).toBe(created.json.name);
    });

    it('rejects a write with a stale If-Match with 412 and applies one with the current ETag', async () => {
      const body = uniquePolicy();
      const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body });
      const id = created.json.id;
      const first = await call(h.baseUrl, 'PUT', `/admin/v1/policies/${id}`, {
        body: { ...body, description: 'first' },
        headers: { 'if-match': '"1"' },
      });
      expect(first.status).toBe(200);
      expect(first.headers.get('etag')).toBe('"2"');
      const stale = await call(h.baseUrl, 'PUT', `/admin/v1/policies/${id}`, {
        body: { ...body, description: 'second' },
        headers: { 'if-match': '"1"' },
      });
      expect(stale.status).toBe(412);
      expect(stale.json.code).toBe('precondition_failed');
      expect((await call(h.baseUrl, 'GET', `/admin/v1/policies/${id}`)).json.description).toBe(
        'first',
      );
    });

    it('accepts an If-Match list when any member is the current ETag (RFC 9110 13.1.1)', async () => {
      const body = uniquePolicy();
      const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body });
      const res = await call(h.baseUrl, 'PUT', `/admin/v1/policies/${created.json.id}`, {
        body: { ...body, description: 'listed' },
        headers: { 'if-match': '"7", "1"' },
      });
      expect(res.status).toBe(200);
    });

    it('answers 412 for an If-Match that is not one of our ETags', async () => {
      const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body: uniquePolicy() });
      const res = await call(h.baseUrl, 'DELETE', `/admin/v1/policies/${created.json.id}`, {
        headers: { 'if-match': 'W/"weak"' },
      });
      expect(res.status).toBe(412);
    });

    it('PATCH merges only the given fields (RFC 7396)', async () => {
      const body = uniquePolicy({ description: 'keep me' });
      const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body });
      const res = await call(h.baseUrl, 'PATCH', `/admin/v1/policies/${created.json.id}`, {
        raw: JSON.stringify({ enabled: false, auth_method: { scopes: ['chat:read'] } }),
        contentType: 'application/merge-patch+json',
        headers: { 'if-match': '"1"' },
      });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        enabled: false,
        description: 'keep me',
        auth_method: { type: 'oauth', provider: 'slack', scopes: ['chat:read'] },
        row_version: 2,
      });
    });

    it('PATCH that makes the policy invalid is a 422 naming the field', async () => {
      const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body: uniquePolicy() });
      const res = await call(h.baseUrl, 'PATCH', `/admin/v1/policies/${created.json.id}`, {
        body: { auth_method: { provider: null } },
      });
      expect(res.status).toBe(422);
      expect(res.json.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'auth_method.provider' })]),
      );
    });

    it('deletes with If-Match, then the policy is 404', async () => {
      const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', { body: uniquePolicy() });
      const res = await call(h.baseUrl, 'DELETE', `/admin/v1/policies/${created.json.id}`, {
        headers: { 'if-match': '"1"' },
      });
      expect(res.status).toBe(204);
      expect((await call(h.baseUrl, 'GET', `/admin/v1/policies/${created.json.id}`)).status).toBe(
        404,
      );
    });

    it('answers 404 problem+json for an unknown id and for an id that is not a uuid', async () => {
      const unknown = await call(
        h.baseUrl,
        'GET',
        '/admin/v1/policies/00000000-0000-4000-8000-000000000000',
      );
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await call(h.baseUrl, 'GET', "/admin/v1/policies/1'%20OR%20'1'='1")).status).toBe(
        404,
      );
      expect((await call(h.baseUrl, 'DELETE', '/admin/v1/policies/not-a-uuid')).status).toBe(404);
    });

    it('answers 409 naming the field on a duplicate priority or name', async () => {
      const first = uniquePolicy();
      expect((await call(h.baseUrl, 'POST', '/admin/v1/policies', { body: first })).status).toBe(
        201,
      );
      const samePriority = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        body: { ...uniquePolicy(), priority: first.priority },
      });
      expect(samePriority.status).toBe(409);
      expect(samePriority.json.errors).toEqual([expect.objectContaining({ field: 'priority' })]);
      const sameName = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        body: { ...uniquePolicy(), name: first.name },
      });
      expect(sameName.status).toBe(409);
      expect(sameName.json.errors).toEqual([expect.objectContaining({ field: 'name' })]);
    });
  });

  describe('validation: 422 with field errors', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['a pattern that does not compile', { match_pattern: '' }, 'match_pattern'],
      ['an unknown auth type', { auth_method: { type: 'magic' } }, 'auth_method.type'],
      [
        'oauth without provider',
        { auth_method: { type: 'oauth', scopes: [] } },
        'auth_method.provider',
      ],
      [
        'scopes that are not strings',
        { auth_method: { type: 'oauth', provider: 'x', scopes: ['a', 7] } },
        'auth_method.scopes[1]',
      ],
      ['a priority that is not an integer', { priority: 1.5 }, 'priority'],
      ['a priority given as a string', { priority: '10' }, 'priority'],
      ['an unknown field', { colour: 'blue' }, 'colour'],
      ['api_key without key_ref', { auth_method: { type: 'api_key' } }, 'auth_method.key_ref'],
      ['enabled that is not a boolean', { enabled: 'yes' }, 'enabled'],
    ];
    it.each(cases)('rejects %s', async (_label, overrides, field) => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        body: uniquePolicy(overrides),
      });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('rejects a pattern built to be slow (nested braces) quickly with a 422', async () => {
      const nested = `${'{a,'.repeat(40)}b${'}'.repeat(40)}`;
      const product = '{a,b}'.repeat(40);
      for (const match_pattern of [nested, product, '{1..100000}', `${'*a'.repeat(60)}`]) {
        const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
          body: uniquePolicy({ match_pattern }),
        });
        expect(res.status).toBe(422);
        expect(res.json.errors[0].field).toBe('match_pattern');
      }
    });

    it('stores SQL-looking strings literally', async () => {
      const name = `x'); DROP TABLE policies; -- ${nextPriority}`;
      const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        body: uniquePolicy({ name, description: "' OR 1=1 --" }),
      });
      expect(res.status).toBe(201);
      expect((await call(h.baseUrl, 'GET', `/admin/v1/policies/${res.json.id}`)).json.name).toBe(
        name,
      );
    });
  });

  describe('bad bodies: always 4xx, never 5xx', () => {
    it('a wrong token is a 401 even when the body is malformed (checked before parsing)', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        raw: '{"broken',
        token: 'wrong',
      });
      expect(res.status).toBe(401);
    });

    it('form-encoded bodies → 415', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        raw: 'name=x&priority=1',
        contentType: 'application/x-www-form-urlencoded',
      });
      expect(res.status).toBe(415);
    });

    it('text Postgres cannot store (NUL, lone surrogates) → 422, in bodies and in query filters', async () => {
      const nulName = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        body: uniquePolicy({ name: 'a\u0000b' }),
      });
      expect(nulName.status).toBe(422);
      const surrogate = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        raw: JSON.stringify(uniquePolicy()).replace('"slack"', '"sl\\ud800ck"'),
      });
      expect(surrogate.status).toBe(422);
      expect((await call(h.baseUrl, 'GET', '/admin/v1/audit?resource_type=%00')).status).toBe(422);
      expect((await call(h.baseUrl, 'GET', '/admin/v1/audit?resource_id=a%00b')).status).toBe(422);
    });

    it('malformed JSON → 400 problem+json', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', { raw: '{"name": "x",' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('a JSON array or scalar instead of an object → 422', async () => {
      for (const raw of ['[]', '"policy"', '42', 'null']) {
        const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', { raw });
        expect([400, 422]).toContain(res.status);
      }
    });

    it('a body over the limit → 413', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        raw: JSON.stringify(uniquePolicy({ description: 'x'.repeat(2 * 1024 * 1024) })),
      });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('an unsupported content type → 415', async () => {
      const res = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
        raw: 'name=x',
        contentType: 'text/plain',
      });
      expect(res.status).toBe(415);
    });
  });
});

describe('admin API: declarative policy set, resolve, revisions, audit', () => {
  let h: AdminApiHarness;

  beforeAll(async () => {
    h = await startAdminApi();
  });

  afterAll(async () => {
    await h.close();
  });

  const putYaml = (yaml: string, query = '', headers: Record<string, string> = {}) =>
    call(h.baseUrl, 'PUT', `/admin/v1/policies${query}`, {
      raw: yaml,
      contentType: 'application/yaml',
      headers,
    });

  it('applies the reference auth_policies YAML verbatim and resolves as the reference says', async () => {
    const applied = await putYaml(REFERENCE_YAML);
    expect(applied.status).toBe(200);
    expect(applied.json.diff.added).toHaveLength(3);

    const github = await call(
      h.baseUrl,
      'GET',
      '/admin/v1/policies/resolve?tool=github.create_issue',
    );
    expect(github.status).toBe(200);
    expect(github.json).toMatchObject({
      tool: 'github.create_issue',
      decision: 'allow',
      policy: { name: 'GitHub Tools' },
      auth_method: { type: 'oauth', provider: 'github', scopes: ['repo:read', 'user:email'] },
      policy_set_version: applied.json.policy_set_version,
    });
    expect(github.json.candidates.map((p: { name: string }) => p.name)).toEqual([
      'GitHub Tools',
      'Default Auth',
    ]);

    const admin = await call(h.baseUrl, 'GET', '/admin/v1/policies/resolve?tool=admin.reset_user');
    expect(admin.json).toMatchObject({
      policy: { name: 'Admin Tools' },
      auth_method: { type: 'api_key', key_ref: 'admin_key' },
    });

    const other = await call(
      h.baseUrl,
      'GET',
      '/admin/v1/policies/resolve?tool=slack.post_message',
    );
    expect(other.json.policy.name).toBe('Default Auth');
  });

  it('dry_run returns the diff and changes nothing', async () => {
    const before = await call(h.baseUrl, 'GET', '/admin/v1/policies');
    const dry = await putYaml(
      REFERENCE_YAML.replace('priority: 200', 'priority: 300'),
      '?dry_run=true',
    );
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({ dry_run: true, changed: false });
    expect(dry.json.diff.changed).toEqual([
      expect.objectContaining({ name: 'Admin Tools', fields: ['priority'] }),
    ]);
    const after = await call(h.baseUrl, 'GET', '/admin/v1/policies');
    expect(after.json.policy_set_version).toBe(before.json.policy_set_version);
    expect(after.json.policies).toEqual(before.json.policies);
  });

  it('swaps two priorities in one atomic replace', async () => {
    const swapped = REFERENCE_YAML.replace('priority: 100', 'priority: X')
      .replace('priority: 200', 'priority: 100')
      .replace('priority: X', 'priority: 200');
    const res = await putYaml(swapped);
    expect(res.status).toBe(200);
    expect(res.json.changed).toBe(true);
    const resolved = await call(h.baseUrl, 'GET', '/admin/v1/policies/resolve?tool=github.x');
    expect(resolved.json.policy).toMatchObject({ name: 'GitHub Tools', priority: 200 });
  });

  it('an invalid document is a 422 with indexed field paths and changes nothing', async () => {
    const before = await call(h.baseUrl, 'GET', '/admin/v1/policies');
    const res = await call(h.baseUrl, 'PUT', '/admin/v1/policies', {
      body: {
        auth_policies: [
          { name: 'a', match_pattern: 'a.*', priority: 1, auth_method: { type: 'none' } },
          { name: 'b', match_pattern: 'b.*', priority: 1, auth_method: { type: 'none' } },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'auth_policies[1].priority' })]),
    );
    expect((await call(h.baseUrl, 'GET', '/admin/v1/policies')).json).toEqual(before.json);
  });

  it('malformed YAML is a 422 that says where', async () => {
    const res = await putYaml('auth_policies:\n  - name: "x\n    priority: [');
    expect(res.status).toBe(422);
    expect(res.json.errors[0].field).toBe('body');
  });

  it('a stale If-Match on the set is a 412', async () => {
    const res = await putYaml(REFERENCE_YAML, '', { 'if-match': '"set-1"' });
    expect(res.status).toBe(412);
  });

  it('exports YAML that re-applies as no change', async () => {
    const exported = await call(h.baseUrl, 'GET', '/admin/v1/policies?format=yaml');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(exported.text).toContain('auth_policies:');
    const reapplied = await putYaml(exported.text, '', {
      'if-match': exported.headers.get('etag') as string,
    });
    expect(reapplied.status).toBe(200);
    expect(reapplied.json.changed).toBe(false);
  });

  it('lists revisions and restores an earlier one as a new revision', async () => {
    const revisions = await call(h.baseUrl, 'GET', '/admin/v1/policies/revisions');
    expect(revisions.status).toBe(200);
    const first = revisions.json.revisions[revisions.json.revisions.length - 1];
    expect(first).toMatchObject({ version: 1, actor: 'admin-token', policy_count: 3 });

    const restored = await call(h.baseUrl, 'POST', '/admin/v1/policies/revisions/1/restore');
    expect(restored.status).toBe(200);
    expect(restored.json.changed).toBe(true);
    const resolved = await call(h.baseUrl, 'GET', '/admin/v1/policies/resolve?tool=github.x');
    expect(resolved.json.policy).toMatchObject({ name: 'GitHub Tools', priority: 100 });
    expect((await call(h.baseUrl, 'GET', '/admin/v1/policies/revisions/999')).status).toBe(404);
    expect((await call(h.baseUrl, 'POST', '/admin/v1/policies/revisions/abc/restore')).status).toBe(
      404,
    );
  });

  it('re-validates a revision before restoring it: a stored set that no longer passes is a 422', async () => {
    const applied = await putYaml(
      'auth_policies:\n  - name: soon invalid\n    match_pattern: "tampered.*"\n    priority: 1\n    auth_method: { type: none }\n',
    );
    const version = applied.json.policy_set_version as number;
    await putYaml(REFERENCE_YAML);
    // Stands in for a revision written under older, looser rules.
    const ds = await new DataSource(
      buildDataSourceOptions(h.database.url, { poolSize: 1 }),
    ).initialize();
    try {
      await ds.query(
        `UPDATE policy_revisions SET snapshot = jsonb_set(snapshot, '{0,match_pattern}', $2::jsonb) WHERE version = $1`,
        [version, JSON.stringify('{a,b}'.repeat(9))],
      );
    } finally {
      await ds.destroy();
    }
    const before = await call(h.baseUrl, 'GET', '/admin/v1/policies');
    const res = await call(h.baseUrl, 'POST', `/admin/v1/policies/revisions/${version}/restore`);
    expect(res.status).toBe(422);
    expect(res.json.errors[0].field).toBe('auth_policies[0].match_pattern');
    expect((await call(h.baseUrl, 'GET', '/admin/v1/policies')).json).toEqual(before.json);
  });

  it('records an audit event for every change with who, when, before and after', async () => {
    const created = await call(h.baseUrl, 'POST', '/admin/v1/policies', {
      body: policy({ name: 'audited', priority: 7 }),
    });
    await call(h.baseUrl, 'PATCH', `/admin/v1/policies/${created.json.id}`, {
      body: { description: 'changed' },
    });
    await call(h.baseUrl, 'DELETE', `/admin/v1/policies/${created.json.id}`);
    const audit = await call(
      h.baseUrl,
      'GET',
      `/admin/v1/audit?resource_type=policy&resource_id=${created.json.id}`,
    );
    expect(audit.status).toBe(200);
    expect(audit.json.events.map((e: { action: string }) => e.action)).toEqual([
      'policy.delete',
      'policy.update',
      'policy.create',
    ]);
    const [deleted, updated, createdEvent] = audit.json.events;
    expect(createdEvent).toMatchObject({
      actor: 'admin-token',
      before: null,
      after: { name: 'audited' },
    });
    expect(updated.before.description).toBe('');
    expect(updated.after.description).toBe('changed');
    expect(deleted).toMatchObject({ before: { name: 'audited' }, after: null });
    expect(typeof deleted.occurred_at).toBe('string');
    expect(deleted.correlation_id).toBeTruthy();
  });

  it('resolve without a tool is a 422; with no match under default deny the decision is deny', async () => {
    expect((await call(h.baseUrl, 'GET', '/admin/v1/policies/resolve')).status).toBe(422);
    await putYaml(
      'auth_policies:\n  - name: only github\n    match_pattern: "github.*"\n    priority: 1\n    auth_method: { type: none }\n',
    );
    const res = await call(
      h.baseUrl,
      'GET',
      `/admin/v1/policies/resolve?tool=${encodeURIComponent("x'; DROP TABLE policies; --")}`,
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ decision: 'deny', policy: null, candidates: [] });
  });

  it('serves the OpenAPI document at /admin/docs', async () => {
    const res = await call(h.baseUrl, 'GET', '/admin/docs/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json.paths)).toEqual(
      expect.arrayContaining(['/admin/v1/policies', '/admin/v1/policies/{id}', '/admin/v1/audit']),
    );
  });
});
