import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
  UnauthorizedError as UnauthorizedErrorV2,
} from '@modelcontextprotocol/client';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitationCompleteNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Queue } from 'bullmq';
import { decodeJwt } from 'jose';
import { QUEUES } from '@app/jobs';
import { PolicyCache } from '@app/policy-cache';
import { within } from '@app/testing';
import { CredentialCache } from '../../apps/gateway/src/credentials/credential.cache';
import { INTERNAL_API_TOKEN } from '../support/admin-api.harness';
import pino from 'pino';
import { loadConfig, workersSchema } from '@app/config';
import { createHttpApp, MetricsService } from '@app/observability';
import { WorkersModule } from '../../apps/workers/src/workers.module';
import { BrowserAgent, readForm } from '../support/browser-agent';
import { startGateway, type GatewayHarness } from '../support/gateway.harness';
import { call } from '../support/http';
import {
  applyPolicies,
  initializeMessage,
  LEGACY_VERSION,
  mcpCall,
  modernRequest,
  openLegacySession,
  openSse,
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

  describe('credential injection and the auth-required remedy (policy fixture.whoami_headers → oauth "tool")', () => {
    /** The demo user's browser (signed in at the broker) and access token, as an MCP client got them. */
    let agent: BrowserAgent;
    let subject: string;
    let token: string;
    /** A 2025-11-25 session whose client declared no elicitation capability. */
    let seedSession: string;
    /** A 2025-11-25 session whose client declared `elicitation.url`. */
    let urlSession: string;
    let whoamiMethod: unknown;

    const whoami = (id: number) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'whoami_headers', arguments: {} },
    });
    const legacy = (sessionId: string, body: unknown, url = route) =>
      mcpCall(url, {
        token,
        headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY_VERSION },
        body,
      });
    const forwardedCalls = () =>
      h.fixture.received.filter((r) => JSON.stringify(r.body ?? '').includes('tools/call'));
    /** The provider token the broker holds for the user (internal API, as the gateway asks). */
    const brokerHeaders = async () => {
      const answer = await call(h.broker.internalUrl, 'POST', '/internal/v1/credentials/resolve', {
        token: INTERNAL_API_TOKEN,
        body: { principal: { subject }, auth_method: whoamiMethod },
      });
      expect(answer.json.outcome).toBe('inject');
      return answer.json.headers as Record<string, string>;
    };

    beforeAll(async () => {
      // A token for the whole gateway (aud = its base URL): the same caller on several routes.
      ({
        agent,
        subject,
        accessToken: token,
      } = await signInThroughMcpClient(h.broker, 'demo', undefined, h.gatewayUrl));
      expect(decodeJwt(token).aud).toBe(h.gatewayUrl);
      await disconnect(h.broker, subject);
      whoamiMethod = h.gateway.get(PolicyCache).resolve('fixture.whoami_headers').auth_method;
      seedSession = await openLegacySession(route, token);
      const init = await mcpCall(route, {
        token,
        body: initializeMessage(1, { elicitation: { url: {} } }),
      });
      expect(init.status).toBe(200);
      urlSession = init.headers.get('mcp-session-id')!;
      const initialized = await legacy(urlSession, {
        jsonrpc: '2.0',
        method: 'notifications/initialized',
      });
      expect(initialized.status).toBe(202);
    });

    beforeEach(() => h.fixture.clear());

    it('tools/list lists whoami_headers before any connection exists (listed by policy only)', async () => {
      const listed = await legacy(seedSession, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
      expect(listed.status).toBe(200);
      expect(listed.messages[0].result.tools.map((t: { name: string }) => t.name)).toEqual(
        expect.arrayContaining(['whoami_headers', 'echo', 'forecast']),
      );
    });

    it('a legacy client without elicitation.url gets -32001 with exactly the seed data; nothing is forwarded', async () => {
      const answer = await legacy(seedSession, whoami(3));
      expect(answer.status).toBe(200);
      expect(answer.messages).toHaveLength(1);
      const [message] = answer.messages;
      expect(message).toEqual({
        jsonrpc: '2.0',
        id: 3,
        error: {
          code: -32001,
          message: 'OAuth authorization required',
          data: {
            auth_type: 'oauth',
            provider: 'tool',
            authorization_url: expect.stringMatching(
              new RegExp(`^${h.broker.issuer}/connect/start/[^/?#]+$`),
            ),
            state: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
            expires_in: 600,
            instructions:
              'Visit the authorization URL to connect your tool account, then retry the call.',
          },
        },
      });
      expect(Object.keys(message.error.data).sort()).toEqual(
        [
          'auth_type',
          'authorization_url',
          'expires_in',
          'instructions',
          'provider',
          'state',
        ].sort(),
      );
      expect(forwardedCalls()).toHaveLength(0);
    });

    it('a legacy client that declared elicitation.url gets -32042 listing one URL elicitation', async () => {
      const answer = await legacy(urlSession, whoami(4));
      expect(answer.status).toBe(200);
      const [message] = answer.messages;
      expect(message.id).toBe(4);
      expect(message.error.code).toBe(-32042);
      expect(message.error.data.elicitations).toHaveLength(1);
      expect(message.error.data.elicitations[0]).toEqual({
        mode: 'url',
        elicitationId: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
        url: expect.stringMatching(new RegExp(`^${h.broker.issuer}/connect/start/[^/?#]+$`)),
        message: 'Connect your tool account to continue.',
      });
      expect(forwardedCalls()).toHaveLength(0);
    });

    it('a 2026-07-28 request gets an input_required result with a URL elicitation and a requestState', async () => {
      const request = modernRequest(5, 'tools/call', { name: 'whoami_headers', arguments: {} });
      const answer = await mcpCall(route, { token, headers: request.headers, body: request.body });
      expect(answer.status).toBe(200);
      const [message] = answer.messages;
      expect(message).toEqual({
        jsonrpc: '2.0',
        id: 5,
        result: {
          resultType: 'input_required',
          inputRequests: {
            'connect-tool': {
              method: 'elicitation/create',
              params: {
                mode: 'url',
                message: 'Connect your tool account to continue.',
                url: expect.stringMatching(
                  new RegExp(`^${h.broker.issuer}/connect/start/[^/?#]+$`),
                ),
              },
            },
          },
          requestState: expect.stringMatching(/^mcpgw-auth:[A-Za-z0-9_-]{20,}$/),
        },
      });
      expect(forwardedCalls()).toHaveLength(0);
    });

    it('after the same user connects in the browser, the same calls succeed and the upstream gets the provider token, never the client token', async () => {
      const remedy = (await legacy(seedSession, whoami(6))).messages[0].error.data;
      const elicitation = (await legacy(urlSession, whoami(7))).messages[0].error.data
        .elicitations[0];
      const modern = modernRequest(8, 'tools/call', { name: 'whoami_headers', arguments: {} });
      const inputRequired = (
        await mcpCall(route, { token, headers: modern.headers, body: modern.body })
      ).messages[0].result;

      // Another person's browser cannot complete a link made for this user.
      const other = await signInThroughMcpClient(h.broker, 'demo2');
      const refused = await other.agent.get(elicitation.url);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('made for another user');

      // Issue 9 §2: the 2026-07-28 retry is sent before the user completes; it waits at the
      // gateway and answers the tool result once the browser finishes (below).
      const waiting = mcpCall(route, {
        token,
        headers: modern.headers,
        body: {
          ...(modern.body as { params: Record<string, unknown> }),
          params: {
            ...(modern.body as { params: Record<string, unknown> }).params,
            requestState: inputRequired.requestState,
          },
        },
      });

      // The person who opens the link is the user of the MCP session (the broker checks it).
      const link = remedy.authorization_url as string;
      const opened = await agent.follow(await agent.get(link), link);
      expect(new URL(opened.url).pathname).toBe('/connect/callback');
      expect(opened.response.status).toBe(200);
      expect(await opened.response.text()).toContain('Your tool account is connected');
      const provided = await brokerHeaders();
      expect(provided.authorization).toMatch(/^Bearer .{20,}$/);
      expect(provided.authorization).not.toBe(`Bearer ${token}`);

      const waited = await waiting;
      expect(waited.status).toBe(200);
      expect(waited.messages[0].result.resultType).toBe('complete');
      expect(waited.messages[0].result.structuredContent.headers.authorization).toBe(
        provided.authorization,
      );

      h.fixture.clear();
      const seed = await legacy(seedSession, whoami(6));
      expect(seed.messages[0].error).toBeUndefined();
      expect(seed.messages[0].result.structuredContent.headers.authorization).toBe(
        provided.authorization,
      );
      const url = await legacy(urlSession, whoami(7));
      expect(url.messages[0].result.structuredContent.headers.authorization).toBe(
        provided.authorization,
      );

      // 2026-07-28: the retry carries the requestState and the elicitation's answer; both stay at the gateway.
      const retried = {
        ...(modern.body as { params: Record<string, unknown> }),
        params: {
          ...(modern.body as { params: Record<string, unknown> }).params,
          requestState: inputRequired.requestState,
          inputResponses: { 'connect-tool': { action: 'accept' } },
        },
      };
      const done = await mcpCall(route, { token, headers: modern.headers, body: retried });
      expect(done.status).toBe(200);
      expect(done.messages[0].result.resultType).toBe('complete');
      const headers = done.messages[0].result.structuredContent.headers as Record<string, string>;
      expect(headers.authorization).toBe(provided.authorization);

      const calls = forwardedCalls();
      expect(calls).toHaveLength(3);
      for (const forwarded of calls) {
        expect(forwarded.headers.authorization).toBe(provided.authorization);
        expect(JSON.stringify(forwarded)).not.toContain(token);
      }
      expect(JSON.stringify(calls.at(-1)!.body)).not.toMatch(/requestState|inputResponses/);
    });

    it('revoking the connection drops the gateway’s cached credential (the broker’s announcement) and the next call answers the remedy again', async () => {
      const cache = h.gateway.get(CredentialCache);
      const key = cache.key(subject, whoamiMethod);
      expect(cache.get(key)?.outcome).toBe('inject');
      const listed = await call(
        h.broker.internalUrl,
        'GET',
        `/internal/v1/connections?subject=${subject}`,
        { token: INTERNAL_API_TOKEN },
      );
      const active = listed.json.connections.filter(
        (c: { provider: string; status: string }) => c.provider === 'tool' && c.status === 'active',
      );
      expect(active).toHaveLength(1);
      const revoked = await call(
        h.broker.internalUrl,
        'DELETE',
        `/internal/v1/connections/${active[0].id}?subject=${subject}`,
        { token: INTERNAL_API_TOKEN },
      );
      expect(revoked.status).toBeLessThan(300);
      // Without the announcement the entry would be served for about an hour (the token's life).
      await within(5_000, () => cache.get(key) === undefined);

      const answer = await legacy(seedSession, whoami(9));
      expect(answer.messages[0].error).toMatchObject({
        code: -32001,
        data: { auth_type: 'oauth', provider: 'tool' },
      });
      expect(forwardedCalls()).toHaveLength(0);
    });

    it('issue 9 §2: a 2025-11-25 client that got -32042 hears notifications/elicitation/complete on its GET stream when the user finishes in the browser; the retry succeeds', async () => {
      // The session's standalone stream, open before the call (the upstream's, relayed).
      const stream = await openSse(route, {
        method: 'GET',
        token,
        headers: {
          'mcp-session-id': urlSession,
          'mcp-protocol-version': LEGACY_VERSION,
          accept: 'text/event-stream',
        },
      });
      expect(stream.status).toBe(200);
      try {
        const refused = await legacy(urlSession, whoami(11));
        expect(refused.messages[0].error.code).toBe(-32042);
        const elicitation = refused.messages[0].error.data.elicitations[0];
        const opened = await agent.follow(await agent.get(elicitation.url), elicitation.url);
        expect(opened.response.status).toBe(200);
        const completed = await stream.waitFor(
          (message) => message.method === 'notifications/elicitation/complete',
          10_000,
        );
        expect(completed).toEqual({
          jsonrpc: '2.0',
          method: 'notifications/elicitation/complete',
          params: { elicitationId: elicitation.elicitationId },
        });
        h.fixture.clear();
        const retried = await legacy(urlSession, whoami(12));
        expect(retried.messages[0].result.structuredContent.headers.authorization).toMatch(
          /^Bearer .{20,}$/,
        );
        // Once: the completion is delivered to the one stream of the session that got the -32042.
        expect(
          stream.messages.filter((m) => m.method === 'notifications/elicitation/complete'),
        ).toHaveLength(1);
      } finally {
        stream.close();
        // The tests below start from a user with no connection.
        await disconnect(h.broker, subject);
      }
    });

    it('issue 9 §2 with the SDK v1 client: UrlElicitationRequired, the user connects, the client hears the completion (its standalone GET stream) and the same call succeeds with the provider token', async () => {
      const client = new Client(
        { name: 'elicitation-complete', version: '1.0.0' },
        { capabilities: { elicitation: { url: {} } } },
      );
      const completed: string[] = [];
      client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) => {
        completed.push(notification.params.elicitationId);
      });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(route), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      try {
        // The SDK opens its GET stream after initialize; the gateway relays it.
        await within(5_000, () => h.fixture.received.some((r) => r.method === 'GET'));
        const refused = await client.callTool({ name: 'whoami_headers', arguments: {} }).then(
          () => undefined,
          (error: unknown) => error as { code?: number; data?: any },
        );
        expect(refused?.code).toBe(-32042);
        const elicitation = refused!.data.elicitations[0];
        const opened = await agent.follow(await agent.get(elicitation.url), elicitation.url);
        expect(opened.response.status).toBe(200);
        await within(10_000, () => completed.includes(elicitation.elicitationId));
        const result = await client.callTool({ name: 'whoami_headers', arguments: {} });
        const headers = (result.structuredContent as { headers: Record<string, string> }).headers;
        expect(headers.authorization).toMatch(/^Bearer .{20,}$/);
        expect(headers.authorization).not.toBe(`Bearer ${token}`);
      } finally {
        await client.close();
        await disconnect(h.broker, subject);
      }
    });

    it("issue 9 §2 with the SDK v2 client (2026-07-28): the elicitation handler accepts and the user connects; the SDK's retry waits at the gateway and answers the tool result with the provider token", async () => {
      const client = new ClientV2(
        { name: 'input-required-wait', version: '2.0.0' },
        {
          capabilities: { elicitation: { url: {} } },
          versionNegotiation: { mode: { pin: '2026-07-28' } },
        },
      );
      let browsing: Promise<unknown> | undefined;
      let asked = 0;
      client.setRequestHandler('elicitation/create', (request) => {
        asked++;
        const url = (request.params as { url?: string }).url!;
        // As a person would: the client opens the page and carries on; the user finishes later.
        browsing = (async () => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          return agent.follow(await agent.get(url), url);
        })();
        return { action: 'accept' };
      });
      await client.connect(
        new TransportV2(new URL(route), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      try {
        h.fixture.clear();
        const result = await client.callTool({ name: 'whoami_headers', arguments: {} });
        // Asked once: the retry did not come back with the remedy again, it waited for the user.
        expect(asked).toBe(1);
        await browsing;
        const headers = (result.structuredContent as { headers: Record<string, string> }).headers;
        expect(headers.authorization).toMatch(/^Bearer .{20,}$/);
        expect(headers.authorization).not.toBe(`Bearer ${token}`);
        // One call reached the upstream: the retry that waited for the connection.
        expect(forwardedCalls()).toHaveLength(1);
      } finally {
        await client.close();
        await disconnect(h.broker, subject);
      }
    });

    it("issue 9 §2, device flow: -32042 names the user code; the user approves at the provider, the workers' poll connects, and the session's GET stream hears the completion", async () => {
      const workersConfig = loadConfig(workersSchema, {
        DATABASE_URL: h.broker.config.DATABASE_URL,
        REDIS_URL: h.broker.config.REDIS_URL,
        REDIS_KEY_PREFIX: h.broker.config.REDIS_KEY_PREFIX,
        VAULT_KEYS: h.broker.config.VAULT_KEYS,
        LOG_LEVEL: 'silent',
      });
      const silent = pino({ level: 'silent' });
      const metrics = new MetricsService('test-workers');
      const workers = await createHttpApp(WorkersModule.forRoot(workersConfig, silent, metrics), {
        logger: silent,
        metrics,
      });
      await workers.init();
      const stream = await openSse(route, {
        method: 'GET',
        token,
        headers: {
          'mcp-session-id': urlSession,
          'mcp-protocol-version': LEGACY_VERSION,
          accept: 'text/event-stream',
        },
      });
      try {
        const refused = await legacy(urlSession, {
          jsonrpc: '2.0',
          id: 13,
          method: 'tools/call',
          params: { name: 'forecast', arguments: { region: 'eu-west' } },
        });
        expect(refused.messages[0].error.code).toBe(-32042);
        const elicitation = refused.messages[0].error.data.elicitations[0];
        expect(elicitation.elicitationId).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
        const device = new BrowserAgent();
        const page = await device.get(elicitation.url);
        const form = readForm(await page.text());
        // oidc-provider's pages: the code form, then the confirm form (confirm=yes), then its login
        // and consent (the test provider approves at once).
        const submitted = await device.postForm(
          new URL(form.action, elicitation.url).href,
          form.fields,
        );
        const confirm = readForm(await submitted.text());
        const confirmed = await device.postForm(
          new URL(confirm.action, elicitation.url).href,
          confirm.fields,
        );
        const approved = await device.follow(confirmed, confirm.action);
        expect(approved.response.status).toBe(200);
        const completed = await stream.waitFor(
          (message) => message.method === 'notifications/elicitation/complete',
          30_000,
        );
        expect(completed.params).toEqual({ elicitationId: elicitation.elicitationId });
        h.fixture.clear();
        const retried = await legacy(urlSession, {
          jsonrpc: '2.0',
          id: 14,
          method: 'tools/call',
          params: { name: 'forecast', arguments: { region: 'eu-west' } },
        });
        expect(retried.messages[0].result).toBeDefined();
      } finally {
        stream.close();
        await workers.close();
        await disconnect(h.broker, subject);
      }
    }, 60_000);

    it('a device_code policy answers -32001 with the device data (user code, verification URI, interval)', async () => {
      const answer = await legacy(seedSession, {
        jsonrpc: '2.0',
        id: 10,
        method: 'tools/call',
        params: { name: 'forecast', arguments: { region: 'eu-west' } },
      });
      expect(answer.status).toBe(200);
      const [message] = answer.messages;
      expect(message).toEqual({
        jsonrpc: '2.0',
        id: 10,
        error: {
          code: -32001,
          message: 'Device authorization required',
          data: {
            auth_type: 'device_code',
            provider: 'tool',
            user_code: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
            verification_uri: `${tool.url}/device`,
            verification_uri_complete: expect.stringMatching(
              new RegExp(`^${tool.url}/device\\?user_code=`),
            ),
            expires_in: expect.any(Number),
            interval: expect.any(Number),
            instructions: expect.any(String),
          },
        },
      });
      expect(message.error.data.instructions).toContain(message.error.data.user_code);
      expect(message.error.data).not.toHaveProperty('device_code');
      expect(forwardedCalls()).toHaveLength(0);
      // The broker polls the provider for the user: one job, waiting for its first poll (the
      // sweep and session recovery schedules wait beside it).
      const queue = new Queue(QUEUES.credentials, {
        prefix: `${h.broker.config.REDIS_KEY_PREFIX}bull`,
        connection: { host: '127.0.0.1', port: 6379 },
      });
      try {
        const delayed = (await queue.getDelayed()).map((job) => job.name);
        expect(delayed.filter((name) => name === 'device-poll')).toEqual(['device-poll']);
      } finally {
        await queue.obliterate({ force: true });
        await queue.close();
      }
    });

    it('a service_account policy injects its static bearer; an upstream with credential_injection header gets the bare token in x-tool-token', async () => {
      const sa = await openLegacySession(`${h.gatewayUrl}/mcp/sa`, token);
      const viaSa = await legacy(sa, whoami(11), `${h.gatewayUrl}/mcp/sa`);
      const saHeaders = viaSa.messages[0].result.structuredContent.headers;
      expect(saHeaders.authorization).toBe(`Bearer ${STATIC_SA_TOKEN}`);
      expect(saHeaders['x-tool-token']).toBeUndefined();

      const hdr = await openLegacySession(`${h.gatewayUrl}/mcp/hdr`, token);
      const viaHdr = await legacy(hdr, whoami(12), `${h.gatewayUrl}/mcp/hdr`);
      const hdrHeaders = viaHdr.messages[0].result.structuredContent.headers;
      expect(hdrHeaders['x-tool-token']).toBe(STATIC_SA_TOKEN);
      expect(hdrHeaders.authorization).toBeUndefined();
      expect(JSON.stringify(h.fixture.received)).not.toContain(token);
    });
  });
});
