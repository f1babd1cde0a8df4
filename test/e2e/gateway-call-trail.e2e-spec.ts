import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@app/persistence';
import { GatewayCallTrail } from '../../apps/gateway/src/trail/gateway-call-trail';
import { startGateway, type GatewayHarness } from '../support/gateway.harness';
import { applyPolicies } from '../support/mcp-wire';
import {
  registerToolProvider,
  startToolProvider,
  type ToolProvider,
} from '../support/tool-provider';
import { startTrustedIssuer, type TrustedIssuer } from '../support/trusted-issuer';

// Issue 9 §4: every tools/call through /mcp/{upstream} leaves one record (allowed, denied,
// auth-required), queryable at GET /admin/v1/audit/calls by each filter with cursor pages, and
// no record holds the caller's token or the injected credential. Real broker, gateway, upstream
// fixture, Postgres and Redis.

const SA_TOKEN = 'trail-sa-secret-token-0123456789abcdef';

interface Call {
  id: string;
  principal: string;
  client_id: string | null;
  upstream: string;
  tool: string;
  policy_id: string | null;
  policy_set_version: number | null;
  decision: string;
  credential: { kind: string; id: string; generation: number | null } | null;
  upstream_status: number | null;
  latency_ms: number;
  correlation_id: string | null;
}

describe('call trail: GET /admin/v1/audit/calls (issue 9 §4)', () => {
  let h: GatewayHarness;
  let idp: TrustedIssuer;
  let tool: ToolProvider;
  let token: string;
  let policyIds: Record<string, string>;

  const calls = async (query: string) => {
    const res = await h.admin('GET', `/admin/v1/audit/calls${query}`);
    return res as unknown as {
      status: number;
      text: string;
      json: { calls: Call[]; next_cursor: string | null; errors?: { field: string }[] };
    };
  };

  beforeAll(async () => {
    idp = await startTrustedIssuer();
    h = await startGateway({
      gateway: {
        GATEWAY_TRUSTED_ISSUERS: JSON.stringify([{ issuer: idp.issuer, jwks_uri: idp.jwksUri }]),
        GATEWAY_TRAIL_FLUSH_MS: '60000',
      },
    });
    tool = await startToolProvider(h.broker.issuer);
    await registerToolProvider(h.broker, tool);
    const sa = await h.admin('POST', '/admin/v1/service-accounts', {
      name: 'trail_sa',
      type: 'static_bearer',
      token: SA_TOKEN,
    });
    expect(sa.status).toBe(201);
    await applyPolicies(h, [
      { name: 'open', match_pattern: 'fixture.*', priority: 10, auth_method: { type: 'none' } },
      {
        name: 'no slow',
        match_pattern: 'fixture.slow',
        priority: 20,
        auth_method: { type: 'deny' },
      },
      {
        name: 'needs tool',
        match_pattern: 'fixture.forecast',
        priority: 30,
        auth_method: { type: 'oauth', provider: 'tool', scopes: ['repo'] },
      },
      {
        name: 'machine',
        match_pattern: 'fixture.whoami_headers',
        priority: 40,
        auth_method: { type: 'service_account', account_ref: 'trail_sa' },
      },
    ]);
    const listed = await h.admin('GET', '/admin/v1/policies');
    policyIds = Object.fromEntries(
      (listed.json.policies as { id: string; name: string }[]).map((p) => [p.name, p.id]),
    );
    token = await idp.sign({
      sub: 'alice',
      aud: `${h.gatewayUrl}/mcp/fixture`,
      scope: 'mcp:tools:read mcp:tools:execute',
      client_id: 'trail-client',
    });
    const client = new Client({ name: 'trail', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${h.gatewayUrl}/mcp/fixture`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    await client.callTool({ name: 'echo', arguments: { text: 'one' } });
    await client.callTool({ name: 'echo', arguments: { text: 'two' } });
    await client.callTool({ name: 'whoami_headers', arguments: {} });
    await expect(client.callTool({ name: 'slow', arguments: { ms: 1 } })).rejects.toThrow();
    await expect(
      client.callTool({ name: 'forecast', arguments: { region: 'eu', days: 1 } }),
    ).rejects.toThrow();
    await client.listTools(); // not a tool call: no record
    await client.close();
    await h.gateway.get(GatewayCallTrail).flush();
  });

  afterAll(async () => {
    await h?.close();
    await tool?.close();
    await idp?.close();
  });

  it('records one row per tools/call with principal, client, policy, decision, credential identity, status', async () => {
    const page = await calls('?limit=50');
    expect(page.status).toBe(200);
    const byTool = (name: string) => page.json.calls.filter((c) => c.tool === name);
    expect(page.json.calls).toHaveLength(5);
    expect(byTool('echo')).toHaveLength(2);
    expect(byTool('echo')[0]).toMatchObject({
      principal: `${idp.issuer}|alice`,
      client_id: 'trail-client',
      upstream: 'fixture',
      policy_id: policyIds.open,
      decision: 'allow',
      credential: null,
      upstream_status: 200,
    });
    expect(byTool('echo')[0]!.policy_set_version).toEqual(expect.any(Number));
    expect(byTool('echo')[0]!.correlation_id).toEqual(expect.any(String));
    expect(byTool('whoami_headers')[0]).toMatchObject({
      decision: 'allow',
      policy_id: policyIds.machine,
      credential: { kind: 'service_account', id: expect.any(String), generation: null },
    });
    expect(byTool('slow')[0]).toMatchObject({
      decision: 'deny',
      policy_id: policyIds['no slow'],
      upstream_status: null,
    });
    expect(byTool('forecast')[0]).toMatchObject({
      decision: 'auth_required',
      policy_id: policyIds['needs tool'],
      upstream_status: null,
    });
  });

  it('filters by principal, tool, policy, decision, upstream and time range', async () => {
    const ids = async (q: string) => (await calls(q)).json.calls.map((c) => c.tool).sort();
    expect(await ids(`?principal=${encodeURIComponent(`${idp.issuer}|alice`)}`)).toHaveLength(5);
    expect(await ids('?principal=nobody')).toEqual([]);
    expect(await ids('?tool=echo')).toEqual(['echo', 'echo']);
    expect(await ids(`?policy=${policyIds['no slow']}`)).toEqual(['slow']);
    expect(await ids('?decision=auth_required')).toEqual(['forecast']);
    expect(await ids('?decision=allow')).toEqual(['echo', 'echo', 'whoami_headers']);
    expect(await ids('?upstream=fixture&tool=slow')).toEqual(['slow']);
    expect(await ids('?from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z')).toEqual([]);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect(await ids(`?from=2000-01-01T00:00:00Z&to=${future}`)).toHaveLength(5);
  });

  it('pages newest first with an opaque cursor, every row once', async () => {
    const all = (await calls('?limit=50')).json.calls.map((c) => c.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await calls(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.json.calls.map((c) => c.id));
      cursor = page.json.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(all);
  });

  it('bad filters are a 400 naming each parameter', async () => {
    const bad = await calls('?limit=0&from=yesterday&decision=maybe&cursor=zzz&colour=red');
    expect(bad.status).toBe(400);
    const fields = (bad.json.errors ?? []).map((e) => e.field).sort();
    expect(fields).toEqual(['colour', 'cursor', 'decision', 'from', 'limit']);
  });

  it('SPEC-MUST 34: neither the API nor the raw rows hold the bearer token or the injected credential', async () => {
    const page = await calls('?limit=50');
    expect(page.text).not.toContain(token);
    expect(page.text).not.toContain(SA_TOKEN);
    const ds = await new DataSource(
      buildDataSourceOptions(h.config.DATABASE_URL, { poolSize: 1 }),
    ).initialize();
    try {
      const raw = JSON.stringify(await ds.query('SELECT * FROM call_trail'));
      expect(raw).toContain('whoami_headers');
      expect(raw).not.toContain(token);
      expect(raw).not.toContain(SA_TOKEN);
    } finally {
      await ds.destroy();
    }
  });

  it('the admin API needs the admin token', async () => {
    const res = await fetch(`${h.broker.baseUrl}/admin/v1/audit/calls`);
    expect(res.status).toBe(401);
  });

  // Last: it closes the gateway (the harness's close then finds it closed).
  it('records still queued when the gateway stops are written on shutdown', async () => {
    const trail = h.gateway.get(GatewayCallTrail);
    trail.record({
      occurredAt: new Date(),
      principal: 'shutdown-probe',
      clientId: null,
      upstream: 'fixture',
      tool: 'echo',
      policyId: null,
      policySetVersion: null,
      decision: 'allow',
      credentialKind: null,
      credentialId: null,
      credentialGeneration: null,
      upstreamStatus: 200,
      latencyMs: 1,
      correlationId: 'shutdown-probe',
    });
    h.gateway.getHttpAdapter().getInstance().server.closeAllConnections();
    await h.gateway.close();
    const page = await calls('?principal=shutdown-probe');
    expect(page.json.calls.map((c) => c.correlation_id)).toEqual(['shutdown-probe']);
  });
});
