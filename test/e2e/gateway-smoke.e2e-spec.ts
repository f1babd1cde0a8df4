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
});
