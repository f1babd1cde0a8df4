import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
  UnauthorizedError as UnauthorizedErrorV2,
} from '@modelcontextprotocol/client';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { within } from '@app/testing';
import { CredentialCache } from '../../apps/gateway/src/credentials/credential.cache';
import { INTERNAL_API_TOKEN } from '../support/admin-api.harness';
import { startGateway, type GatewayHarness } from '../support/gateway.harness';
import { call } from '../support/http';
import {
  applyPolicies,
  initializeMessage,
  LEGACY_VERSION,
  mcpCall,
  modernRequest,
  openLegacySession,
  registerUpstream,
} from '../support/mcp-wire';
import { MCP_CLIENT_REDIRECT, RecordingOAuthClient } from '../support/recording-oauth-client';
import {
  disconnect,
  registerToolProvider,
  signInThroughMcpClient,
  startToolProvider,
  type ToolProvider,
} from '../support/tool-provider';

// OAuth end to end through the gateway: an MCP client discovers the broker from the gateway's
// 401 and signs in with the SDK's own auth() (DCR, PKCE, consent, demo IdP login, refresh); then
// the broker's per-user credentials reach the upstream in place of the client's token, and a
// missing connection answers the remedy in the encoding each client understands (DESIGN
// "Auth-required answer", SPEC-MUST 10, 29). Real broker, gateway, upstream fixture, Postgres
// and Redis; oidc-provider plays the tool provider.

const SCOPES = 'mcp:tools:read mcp:tools:execute mcp:resources:read mcp:prompts:read';
const STATIC_SA_TOKEN = 'sa-static-token-0123456789abcdef';

/** One request the client sent: method, URL, and (for form posts) the form. */
interface Sent {
  method: string;
  url: URL;
  status: number;
  form?: URLSearchParams;
}

/** A fetch that records what the SDK sends (the transport uses it for auth too). */
function recordingFetch(sent: Sent[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const response = await fetch(input, init);
    const body = init?.body;
    sent.push({
      method: init?.method ?? 'GET',
      url,
      status: response.status,
      ...(body instanceof URLSearchParams
        ? { form: body }
        : typeof body === 'string' && body.includes('grant_type=')
          ? { form: new URLSearchParams(body) }
          : {}),
    });
    return response;
  };
}

const toolText = (result: unknown): string =>
  ((result as { content: Array<{ text: string }> }).content[0]?.text ?? '') as string;

describe('OAuth end to end through the gateway', () => {
  let h: GatewayHarness;
  let tool: ToolProvider;
  let route: string;

  beforeAll(async () => {
    h = await startGateway();
    route = `${h.gatewayUrl}/mcp/fixture`;
    tool = await startToolProvider(h.broker.issuer);
    await registerToolProvider(h.broker, tool);
    const sa = await h.admin('POST', '/admin/v1/service-accounts', {
      name: 'static_sa',
      type: 'static_bearer',
      token: STATIC_SA_TOKEN,
    });
    expect(sa.status).toBe(201);
    await registerUpstream(h, { name: 'sa', url: h.fixture.url });
    await registerUpstream(h, {
      name: 'hdr',
      url: h.fixture.url,
      credential_injection: { type: 'header', name: 'x-tool-token' },
    });
    await applyPolicies(h, [
      { name: 'open', match_pattern: '*', priority: 10, auth_method: { type: 'none' } },
      {
        name: 'whoami needs tool',
        match_pattern: 'fixture.whoami_headers',
        priority: 20,
        auth_method: { type: 'oauth', provider: 'tool', scopes: ['repo'] },
      },
      {
        name: 'forecast by device',
        match_pattern: 'fixture.forecast',
        priority: 21,
        auth_method: { type: 'device_code', provider: 'tool', scopes: ['repo'] },
      },
      {
        name: 'service account',
        match_pattern: '{sa,hdr}.whoami_headers',
        priority: 22,
        auth_method: { type: 'service_account', account_ref: 'static_sa' },
      },
    ]);
  });

  afterAll(async () => {
    await h?.close();
    await tool?.close();
  });

  describe('SDK v1 (1.32.2) OAuthClientProvider + StreamableHTTPClientTransport authProvider', () => {
    it('401 → PRM → AS metadata → DCR → PKCE authorization (consent, IdP login) → finishAuth → tools; the token is for /mcp/fixture', async () => {
      const provider = new RecordingOAuthClient(h.broker.issuer);
      const sent: Sent[] = [];
      const first = new StreamableHTTPClientTransport(new URL(route), {
        authProvider: provider,
        fetch: recordingFetch(sent),
      });
      await expect(
        new Client({ name: 'oauth-e2e', version: '1.0.0' }).connect(first),
      ).rejects.toBeInstanceOf(UnauthorizedError);

      const trail = sent.map((s) => `${s.method} ${s.url.origin}${s.url.pathname} ${s.status}`);
      expect(trail).toEqual([
        `POST ${route} 401`,
        `GET ${h.gatewayUrl}/.well-known/oauth-protected-resource/mcp/fixture 200`,
        `GET ${h.broker.issuer}/.well-known/oauth-authorization-server 200`,
        `POST ${h.broker.issuer}/register 201`,
      ]);
      expect(provider.clientInformation()).toMatchObject({
        client_id: expect.any(String),
        redirect_uris: [MCP_CLIENT_REDIRECT],
      });
      const [authorization] = provider.authorizationUrls;
      expect(authorization!.origin + authorization!.pathname).toBe(`${h.broker.issuer}/authorize`);
      expect(Object.fromEntries(authorization!.searchParams)).toMatchObject({
        response_type: 'code',
        client_id: provider.clientInformation()!.client_id,
        redirect_uri: MCP_CLIENT_REDIRECT,
        code_challenge_method: 'S256',
        code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        resource: route,
        scope: SCOPES,
      });
      expect(provider.walk).toEqual({ consentShown: true, loginShown: true });
      const code = provider.callback!.searchParams.get('code');
      expect(code).toEqual(expect.any(String));

      await first.finishAuth(code!);
      const exchange = sent.at(-1)!;
      expect(`${exchange.method} ${exchange.url.href} ${exchange.status}`).toBe(
        `POST ${h.broker.issuer}/token 200`,
      );
      expect(exchange.form?.get('grant_type')).toBe('authorization_code');
      expect(exchange.form?.get('code_verifier')).toBe(provider.codeVerifier());
      expect(exchange.form?.get('resource')).toBe(route);
      const tokens = provider.tokens()!;
      expect(tokens.refresh_token).toEqual(expect.any(String));
      const claims = decodeJwt(tokens.access_token);
      expect(claims.aud).toBe(route);
      expect(claims.iss).toBe(h.broker.issuer);
      expect(String(claims.scope).split(' ').sort()).toEqual(SCOPES.split(' ').sort());

      h.fixture.clear();
      const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(route), {
          authProvider: provider,
          fetch: recordingFetch(sent),
        }),
      );
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['echo', 'whoami_headers', 'forecast']),
      );
      expect(await client.callTool({ name: 'echo', arguments: { text: 'signed in' } })).toEqual({
        content: [{ type: 'text', text: 'signed in' }],
      });
      // The client's token stops at the gateway.
      expect(h.fixture.received.length).toBeGreaterThan(0);
      expect(h.fixture.received.every((r) => r.headers.authorization === undefined)).toBe(true);

      // A stale access token: the gateway's 401 makes the SDK refresh and resend the call.
      provider.staleAccessToken('stale-access-token');
      const before = sent.length;
      expect(await client.callTool({ name: 'echo', arguments: { text: 'refreshed' } })).toEqual({
        content: [{ type: 'text', text: 'refreshed' }],
      });
      const again = sent.slice(before).map((s) => `${s.method} ${s.url.pathname} ${s.status}`);
      expect(again[0]).toBe('POST /mcp/fixture 401');
      expect(again).toContain('POST /token 200');
      expect(again.at(-1)).toBe('POST /mcp/fixture 200');
      const refresh = sent.slice(before).find((s) => s.url.pathname === '/token')!;
      expect(refresh.form?.get('grant_type')).toBe('refresh_token');
      expect(refresh.form?.get('refresh_token')).toBe(tokens.refresh_token);
      const renewed = provider.tokens()!;
      expect(renewed.access_token).not.toBe(tokens.access_token);
      expect(renewed.refresh_token).not.toBe(tokens.refresh_token);
      expect(decodeJwt(renewed.access_token).aud).toBe(route);
      await client.close();
    });
  });

  describe('SDK v2 (2.4.0) pinned to 2026-07-28, the same OAuthClientProvider', () => {
    it('signs in by the same discovery, DCR and PKCE walk, finishes with the callback parameters, calls tools, and refreshes a stale token', async () => {
      const provider = new RecordingOAuthClient(h.broker.issuer);
      const sent: Sent[] = [];
      const options = {
        capabilities: {},
        versionNegotiation: { mode: { pin: '2026-07-28' as const } },
      };
      const first = new TransportV2(new URL(route), {
        authProvider: provider,
        fetch: recordingFetch(sent),
      });
      await expect(
        new ClientV2({ name: 'oauth-e2e-v2', version: '2.0.0' }, options).connect(first),
      ).rejects.toBeInstanceOf(UnauthorizedErrorV2);
      const paths = sent.map((s) => `${s.method} ${s.url.origin}${s.url.pathname} ${s.status}`);
      expect(paths[0]).toBe(`POST ${route} 401`);
      expect(paths).toEqual(
        expect.arrayContaining([
          `GET ${h.gatewayUrl}/.well-known/oauth-protected-resource/mcp/fixture 200`,
          `GET ${h.broker.issuer}/.well-known/oauth-authorization-server 200`,
          `POST ${h.broker.issuer}/register 201`,
        ]),
      );
      expect(provider.walk).toEqual({ consentShown: true, loginShown: true });
      const [authorization] = provider.authorizationUrls;
      expect(Object.fromEntries(authorization!.searchParams)).toMatchObject({
        code_challenge_method: 'S256',
        resource: route,
      });

      await first.finishAuth(provider.callback!.searchParams);
      const tokens = provider.tokens()!;
      expect(decodeJwt(tokens.access_token).aud).toBe(route);

      h.fixture.clear();
      const client = new ClientV2({ name: 'oauth-e2e-v2', version: '2.0.0' }, options);
      await client.connect(
        new TransportV2(new URL(route), { authProvider: provider, fetch: recordingFetch(sent) }),
      );
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['echo', 'whoami_headers']),
      );
      expect(toolText(await client.callTool({ name: 'echo', arguments: { text: 'v2' } }))).toBe(
        'v2',
      );
      const forwarded = h.fixture.received.filter((r) => r.headers['mcp-name'] === 'echo');
      expect(forwarded.at(-1)?.headers['mcp-protocol-version']).toBe('2026-07-28');
      expect(h.fixture.received.every((r) => r.headers.authorization === undefined)).toBe(true);

      provider.staleAccessToken('stale-access-token');
      const before = sent.length;
      expect(toolText(await client.callTool({ name: 'echo', arguments: { text: 'again' } }))).toBe(
        'again',
      );
      const again = sent.slice(before);
      // Discovery again (this provider keeps no discovery state), then the refresh and the resend.
      expect(again.map((s) => `${s.method} ${s.url.pathname} ${s.status}`)).toEqual([
        'POST /mcp/fixture 401',
        'GET /.well-known/oauth-protected-resource/mcp/fixture 200',
        'GET /.well-known/oauth-authorization-server 200',
        'POST /token 200',
        'POST /mcp/fixture 200',
      ]);
      expect(again[3]!.form?.get('grant_type')).toBe('refresh_token');
      expect(again[3]!.form?.get('refresh_token')).toBe(tokens.refresh_token);
      expect(provider.tokens()!.access_token).not.toBe(tokens.access_token);
      expect(decodeJwt(provider.tokens()!.access_token).aud).toBe(route);
      await client.close();
    });
  });
});
