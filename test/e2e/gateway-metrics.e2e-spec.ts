import { startGateway, type GatewayHarness } from '../support/gateway.harness';
import { applyPolicies, mcpCall, modernRequest } from '../support/mcp-wire';
import { parsePrometheus, sampleSum, scrape, type PromSample } from '../support/prometheus-text';
import { startTrustedIssuer, type TrustedIssuer } from '../support/trusted-issuer';

const SUBJECT = 'metrics-alice-7f3c';

describe('gateway metrics (issue 9 §5; SPEC-MUST 34: no label holds a token, a user or a key)', () => {
  let h: GatewayHarness;
  let idp: TrustedIssuer;
  let route: string;
  let token: string;
  let apiKey: string;

  beforeAll(async () => {
    idp = await startTrustedIssuer();
    h = await startGateway({
      gateway: {
        GATEWAY_TRUSTED_ISSUERS: JSON.stringify([{ issuer: idp.issuer, jwks_uri: idp.jwksUri }]),
      },
    });
    route = `${h.gatewayUrl}/mcp/fixture`;
    await applyPolicies(h, [
      { name: 'open', match_pattern: 'fixture.*', priority: 10, auth_method: { type: 'none' } },
      {
        name: 'no slow',
        match_pattern: 'fixture.slow',
        priority: 20,
        auth_method: { type: 'deny' },
      },
      {
        name: 'ops key',
        match_pattern: 'fixture.whoami_headers',
        priority: 30,
        auth_method: { type: 'api_key', key_ref: 'ops' },
      },
    ]);
    token = await idp.sign({
      sub: SUBJECT,
      aud: route,
      scope: 'mcp:tools:read mcp:tools:execute',
    });
    const created = await h.admin('POST', '/admin/v1/api-keys', { name: 'ops', permissions: [] });
    expect(created.status).toBe(201);
    apiKey = created.json.key as string;
  });

  afterAll(async () => {
    await h?.close();
    await idp?.close();
  });

  const callTool = (name: string, headers: Record<string, string>, id = 1) => {
    const request = modernRequest(id, 'tools/call', { name, arguments: { text: 'm' } });
    return mcpCall(route, { body: request.body, headers: { ...request.headers, ...headers } });
  };

  it('the public listener serves no /metrics; the metrics listener does', async () => {
    expect((await fetch(`${h.gatewayUrl}/metrics`)).status).toBe(404);
    const response = await fetch(`${h.metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('# TYPE auth_requests_total counter');
  });

  it('good, bad, expired and missing credentials, a denied and an allowed call move their counters; no label holds a secret', async () => {
    const before = await scrape(h.metricsUrl);
    const bearer = { authorization: `Bearer ${token}` };

    expect((await callTool('echo', bearer)).status).toBe(200);
    const denied = await callTool('slow', bearer, 2);
    expect(denied.json).toMatchObject({ id: 2, error: { code: -32002 } });
    expect((await callTool('echo', { authorization: `Bearer ${token}x` })).status).toBe(401);
    const expired = await idp.sign(
      { sub: SUBJECT, aud: route, scope: 'mcp:tools:execute' },
      { expiresIn: Math.floor(Date.now() / 1000) - 120 },
    );
    expect((await callTool('echo', { authorization: `Bearer ${expired}` })).status).toBe(401);
    expect((await callTool('echo', {})).status).toBe(401);
    const otherRoute = await idp.sign({ sub: SUBJECT, aud: `${h.gatewayUrl}/mcp/elsewhere` });
    expect((await callTool('echo', { authorization: `Bearer ${otherRoute}` })).status).toBe(401);
    const readOnly = await idp.sign({ sub: SUBJECT, aud: route, scope: 'mcp:tools:read' });
    expect((await callTool('echo', { authorization: `Bearer ${readOnly}` })).status).toBe(403);
    // The api_key policy asks the broker once, then reads its cache.
    for (const id of [3, 4]) {
      const answer = await callTool('whoami_headers', { authorization: `ApiKey ${apiKey}` }, id);
      expect(answer.json?.result).toBeDefined();
    }
    expect((await callTool('echo', { 'x-api-key': 'mcpgw_nope_nope' })).status).toBe(401);

    const after = await scrape(h.metricsUrl);
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sampleSum(after, name, labels) - sampleSum(before, name, labels);

    // bearer: good, denied, bad, expired, wrong audience, read-only; none: missing.
    expect(delta('auth_requests_total', { scheme: 'bearer' })).toBe(6);
    expect(delta('auth_requests_total', { scheme: 'api_key' })).toBe(3);
    expect(delta('auth_requests_total', { scheme: 'none' })).toBe(1);
    expect(delta('auth_requests_success', { scheme: 'bearer' })).toBe(3);
    expect(delta('auth_requests_success', { scheme: 'api_key' })).toBe(2);
    expect(delta('auth_error_total', { type: 'invalid_token' })).toBe(1);
    expect(delta('auth_error_total', { type: 'expired' })).toBe(1);
    expect(delta('auth_error_total', { type: 'missing' })).toBe(1);
    expect(delta('auth_error_total', { type: 'wrong_audience' })).toBe(1);
    expect(delta('auth_error_total', { type: 'insufficient_scope' })).toBe(1);
    expect(delta('auth_error_total', { type: 'unknown_key' })).toBe(1);

    expect(delta('gateway_policy_decisions_total', { outcome: 'denied' })).toBe(1);
    expect(delta('gateway_policy_decisions_total', { outcome: 'allowed' })).toBe(3);
    expect(delta('gateway_credential_cache_lookups_total', { result: 'miss' })).toBe(1);
    expect(delta('gateway_credential_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(delta('gateway_upstream_requests_total', { upstream: 'fixture', outcome: 'ok' })).toBe(
      3,
    );
    expect(delta('gateway_upstream_duration_seconds_count', { upstream: 'fixture' })).toBe(3);

    const requests = (labels: Record<string, string>) =>
      delta('gateway_mcp_request_duration_seconds_count', { route: 'transparent', ...labels });
    // 200: echo, the denied call (a JSON-RPC error), two whoami_headers; 4xx: the six refusals.
    expect(requests({ mcp_method: 'tools/call', status_class: '2xx' })).toBe(4);
    // A refusal before the body was read has no method yet.
    expect(requests({ mcp_method: 'none', status_class: '4xx' })).toBe(5);
    expect(requests({ mcp_method: 'tools/call', status_class: '4xx' })).toBe(1);

    assertNoSecretIn(after, [token, `${token}x`, expired, readOnly, apiKey, SUBJECT]);
  });

  it('a method name the client made up is counted as `other`, never as its own label', async () => {
    const method = `x/${'q'.repeat(20)}-made-up`;
    const request = modernRequest(9, method);
    const answer = await mcpCall(route, {
      body: request.body,
      headers: { ...request.headers, authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBeLessThan(500);
    const text = await (await fetch(`${h.metricsUrl}/metrics`)).text();
    expect(text).not.toContain(method);
    expect(
      sampleSum(parsePrometheus(text), 'gateway_mcp_request_duration_seconds_count', {
        mcp_method: 'other',
      }),
    ).toBeGreaterThanOrEqual(1);
  });
});

function assertNoSecretIn(samples: PromSample[], secrets: string[]): void {
  const values = samples.flatMap((sample) => Object.values(sample.labels));
  for (const secret of secrets) {
    expect(values.filter((value) => value.includes(secret))).toEqual([]);
  }
}
