import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { startGateway, type GatewayHarness } from '../support/gateway.harness';
import { startTrustedIssuer, type TrustedIssuer } from '../support/trusted-issuer';

describe('gateway transparent route: smoke', () => {
  let h: GatewayHarness;
  let idp: TrustedIssuer;

  beforeAll(async () => {
    idp = await startTrustedIssuer();
    h = await startGateway({
      gateway: {
        GATEWAY_TRUSTED_ISSUERS: JSON.stringify([{ issuer: idp.issuer, jwks_uri: idp.jwksUri }]),
      },
    });
    const put = await h.admin('PUT', '/admin/v1/policies', {
      auth_policies: [
        {
          name: 'fixture open',
          match_pattern: 'fixture.*',
          priority: 10,
          auth_method: { type: 'none' },
        },
        {
          name: 'no slow',
          match_pattern: 'fixture.slow',
          priority: 20,
          auth_method: { type: 'deny' },
        },
        {
          name: 'ops key only',
          match_pattern: 'fixture.whoami_headers',
          priority: 30,
          auth_method: { type: 'api_key', key_ref: 'ops' },
        },
      ],
    });
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    await h?.close();
    await idp?.close();
  });

  it('an SDK v1 client lists and calls tools through /mcp/fixture with a trusted-issuer token', async () => {
    const token = await idp.sign({
      sub: 'alice',
      aud: `${h.gatewayUrl}/mcp/fixture`,
      scope: 'mcp:tools:read mcp:tools:execute',
    });
    const client = new Client({ name: 'smoke', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${h.gatewayUrl}/mcp/fixture`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toContain('echo');
    expect(names).not.toContain('slow');
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(JSON.stringify(result.content)).toContain('hello');
    const seen = h.fixture.received.map((request) => request.headers.authorization);
    expect(seen.every((value) => value === undefined)).toBe(true);
    await client.close();
  });

  it('an SDK v2 client pinned to 2026-07-28 lists and calls tools through /mcp/fixture (stateless, mirrored headers checked)', async () => {
    const token = await idp.sign({
      sub: 'bob',
      aud: `${h.gatewayUrl}/mcp/fixture`,
      scope: 'mcp:tools:read mcp:tools:execute',
    });
    const client = new ClientV2(
      { name: 'smoke-v2', version: '2.0.0' },
      { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(
      new TransportV2(new URL(`${h.gatewayUrl}/mcp/fixture`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'forecast']));
    expect(tools.map((tool) => tool.name)).not.toContain('slow');
    const result = await client.callTool({
      name: 'forecast',
      arguments: { region: 'eu-west', days: 2 },
    });
    expect(JSON.stringify(result.content)).toContain('eu-west: sunny for 2 day(s)');
    const forwarded = h.fixture.received.filter(
      (request) => request.headers['mcp-name'] === 'forecast',
    );
    expect(forwarded.at(-1)?.headers['mcp-param-region']).toBe('eu-west');
    expect(forwarded.every((request) => request.headers.authorization === undefined)).toBe(true);
    await client.close();
  });

  it("SPEC-MUST 16: once the gateway has relayed a tool's schema, a 2026-07-28 call whose Mcp-Param-* header disagrees with its arguments is refused before the upstream sees it", async () => {
    const token = await idp.sign({
      sub: 'carol',
      aud: `${h.gatewayUrl}/mcp/fixture`,
      scope: 'mcp:tools:read mcp:tools:execute',
    });
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const post = (method: string, params: object, extra: Record<string, string> = {}) =>
      fetch(`${h.gatewayUrl}/mcp/fixture`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': method,
          ...extra,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: meta } }),
      });
    expect((await post('tools/list', {})).status).toBe(200);
    h.fixture.clear();
    const refused = await post(
      'tools/call',
      { name: 'forecast', arguments: { region: 'eu-west', days: 1 } },
      { 'mcp-name': 'forecast', 'mcp-param-region': 'us-east' },
    );
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ id: 7, error: { code: -32020 } });
    expect(h.fixture.received).toHaveLength(0);
    const agreed = await post(
      'tools/call',
      { name: 'forecast', arguments: { region: 'eu-west', days: 1 } },
      { 'mcp-name': 'forecast', 'mcp-param-region': 'eu-west' },
    );
    expect(agreed.status).toBe(200);
    expect(await agreed.text()).toContain('eu-west: sunny for 1 day(s)');
  });

  describe('API keys (Authorization: ApiKey, X-API-Key), checked by the broker', () => {
    let opsKey: string;
    let otherKey: string;

    beforeAll(async () => {
      const ops = await h.admin('POST', '/admin/v1/api-keys', { name: 'ops', permissions: [] });
      const other = await h.admin('POST', '/admin/v1/api-keys', { name: 'other', permissions: [] });
      expect([ops.status, other.status]).toEqual([201, 201]);
      opsKey = ops.json.key;
      otherKey = other.json.key;
    });

    async function connect(headers: Record<string, string>): Promise<Client> {
      const client = new Client({ name: 'key-client', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${h.gatewayUrl}/mcp/fixture`), {
          requestInit: { headers },
        }),
      );
      return client;
    }

    it('an api_key policy shows and allows its tool to the named key only; the key never reaches the upstream', async () => {
      h.fixture.clear();
      const ops = await connect({ authorization: `ApiKey ${opsKey}` });
      expect((await ops.listTools()).tools.map((t) => t.name)).toContain('whoami_headers');
      const result = await ops.callTool({ name: 'whoami_headers', arguments: {} });
      expect(JSON.stringify(result)).not.toContain(opsKey);
      expect(h.fixture.received.some((r) => JSON.stringify(r.headers).includes(opsKey))).toBe(
        false,
      );
      await ops.close();

      const other = await connect({ 'x-api-key': otherKey });
      expect((await other.listTools()).tools.map((t) => t.name)).not.toContain('whoami_headers');
      await expect(other.callTool({ name: 'whoami_headers', arguments: {} })).rejects.toThrow(
        /requires API key "ops"/,
      );
      expect((await other.callTool({ name: 'echo', arguments: { text: 'k' } })).content).toEqual([
        { type: 'text', text: 'k' },
      ]);
      await other.close();
    });

    it('an unknown key is 401 invalid_token with the RFC 9728 challenge', async () => {
      const response = await fetch(`${h.gatewayUrl}/mcp/fixture`, {
        method: 'POST',
        headers: {
          authorization: 'ApiKey mcpgw_aaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer error="invalid_token", error_description="the API key is not valid", resource_metadata="${h.gatewayUrl}/.well-known/oauth-protected-resource/mcp/fixture"`,
      );
    });
  });
});
