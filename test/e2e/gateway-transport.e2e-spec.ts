import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { within } from '@app/testing';
import { freePort } from '../support/authorization-server.harness';
import { startGateway, type GatewayHarness } from '../support/gateway.harness';
import {
  applyPolicies,
  initializeMessage,
  LEGACY_VERSION,
  mcpCall,
  type McpCall,
  MODERN_VERSION,
  modernRequest,
  openLegacySession,
  openSse,
  rawHttp,
  registerUpstream,
} from '../support/mcp-wire';
import { startTrustedIssuer, type TrustedIssuer } from '../support/trusted-issuer';

// SPEC-MUST 9–18: the transparent transport. Raw requests where the exact wire matters; the SDK
// clients (v1 on the 2025 wire, v2 pinned to 2026-07-28) where a real client's behaviour does.

const ALLOWED_ORIGIN = 'https://app.example.test';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('gateway transparent transport (SPEC-MUST 9–18)', () => {
  let h: GatewayHarness;
  let idp: TrustedIssuer;
  let route: string;
  let alice: string;
  let bob: string;

  const legacyHeaders = (sessionId: string): Record<string, string> => ({
    'mcp-session-id': sessionId,
    'mcp-protocol-version': LEGACY_VERSION,
  });

  beforeAll(async () => {
    idp = await startTrustedIssuer();
    h = await startGateway({
      gateway: {
        GATEWAY_TRUSTED_ISSUERS: JSON.stringify([{ issuer: idp.issuer, jwks_uri: idp.jwksUri }]),
        GATEWAY_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
      },
    });
    route = `${h.gatewayUrl}/mcp/fixture`;
    // Tokens for the whole gateway: the same callers on several routes.
    const scope = 'mcp:tools mcp:resources:read mcp:prompts:read';
    alice = await idp.sign({ sub: 'alice', aud: h.gatewayUrl, scope }, { expiresIn: '1h' });
    bob = await idp.sign({ sub: 'bob', aud: h.gatewayUrl, scope }, { expiresIn: '1h' });
    await registerUpstream(h, { name: 'other', url: h.fixture.url });
    // Nothing listens there: the gateway must answer for an upstream it cannot reach.
    await registerUpstream(h, { name: 'down', url: `http://127.0.0.1:${await freePort()}/mcp` });
    await applyPolicies(h, [
      { name: 'open', match_pattern: '*', priority: 10, auth_method: { type: 'none' } },
      {
        name: 'no audio',
        match_pattern: 'fixture.test_audio_content',
        priority: 20,
        auth_method: { type: 'deny' },
      },
      {
        name: 'image needs github',
        match_pattern: 'fixture.test_image_content',
        priority: 30,
        auth_method: { type: 'oauth', provider: 'github', scopes: ['repo'] },
      },
    ]);
  });

  afterAll(async () => {
    await h?.close();
    await idp?.close();
  });

  beforeEach(() => h.fixture.clear());

  /** The same request straight to the fixture (no gateway, no token): the reference answer. */
  const direct = (call: McpCall) => mcpCall(h.fixture.url, call);

  describe('SPEC-MUST 9: a session belongs to the principal that opened it', () => {
    let sessionId: string;

    beforeAll(async () => {
      sessionId = await openLegacySession(route, alice);
    });

    it.each(['POST', 'GET', 'DELETE'])(
      'answers %s with another subject’s token and this session id 404, forwarding nothing',
      async (method) => {
        const answer = await mcpCall(route, {
          method,
          token: bob,
          headers: legacyHeaders(sessionId),
          ...(method === 'POST' ? { body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } } : {}),
        });
        expect(answer.status).toBe(404);
        expect(answer.json.error.code).toBe(-32600);
        expect(h.fixture.received).toHaveLength(0);
      },
    );

    it('never lets the session id authenticate by itself (no token → 401)', async () => {
      const answer = await mcpCall(route, {
        headers: legacyHeaders(sessionId),
        body: { jsonrpc: '2.0', id: 3, method: 'tools/list' },
      });
      expect(answer.status).toBe(401);
      expect(h.fixture.received).toHaveLength(0);
    });

    it('does not accept the session on another route (one upstream session per route)', async () => {
      const answer = await mcpCall(`${h.gatewayUrl}/mcp/other`, {
        token: alice,
        headers: legacyHeaders(sessionId),
        body: { jsonrpc: '2.0', id: 4, method: 'tools/list' },
      });
      expect(answer.status).toBe(404);
      expect(h.fixture.received).toHaveLength(0);
    });

    it('still serves the owner afterwards', async () => {
      const answer = await mcpCall(route, {
        token: alice,
        headers: legacyHeaders(sessionId),
        body: { jsonrpc: '2.0', id: 5, method: 'tools/list' },
      });
      expect(answer.status).toBe(200);
      expect(answer.messages.at(-1).result.tools.length).toBeGreaterThan(0);
    });
  });

  describe('SPEC-MUST 10, 12: headers forwarded unchanged, credentials never', () => {
    it('forwards MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*, traceparent; drops Authorization, Cookie, X-API-Key', async () => {
      const call = modernRequest(1, 'tools/call', {
        name: 'forecast',
        arguments: { region: 'US' },
      });
      const answer = await mcpCall(route, {
        token: alice,
        headers: {
          ...call.headers,
          'mcp-param-region': 'US',
          traceparent: TRACEPARENT,
          tracestate: 'vendor=value',
          cookie: 'session=browser-cookie',
          'x-api-key': 'mcpgw_not_for_upstream',
          'proxy-authorization': 'Basic cHJveHk6c2VjcmV0',
        },
        body: call.body,
      });
      expect(answer.status).toBe(200);
      expect(answer.messages.at(-1).result.content[0].text).toBe('US: sunny for 1 day(s)');
      expect(h.fixture.received).toHaveLength(1);
      const seen = h.fixture.received[0]!.headers;
      expect(seen).toMatchObject({
        'mcp-protocol-version': MODERN_VERSION,
        'mcp-method': 'tools/call',
        'mcp-name': 'forecast',
        'mcp-param-region': 'US',
        traceparent: TRACEPARENT,
        tracestate: 'vendor=value',
      });
      for (const name of ['authorization', 'cookie', 'x-api-key', 'proxy-authorization']) {
        expect(seen[name]).toBeUndefined();
      }
      expect(h.fixture.received[0]!.body).toBe(JSON.stringify(call.body));
    });

    it('passes MCP-Session-Id both ways and Last-Event-ID upstream on a resumed stream', async () => {
      const sessionId = await openLegacySession(route, alice);
      const list = await mcpCall(route, {
        token: alice,
        headers: legacyHeaders(sessionId),
        body: { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      });
      expect(list.headers.get('mcp-session-id')).toBe(sessionId);
      const eventId = /^id: (.+)$/m.exec(list.text)?.[1];
      expect(eventId).toBeDefined();
      h.fixture.clear();
      const resumed = await openSse(route, {
        method: 'GET',
        token: alice,
        headers: {
          ...legacyHeaders(sessionId),
          'last-event-id': eventId!,
          accept: 'text/event-stream',
        },
      });
      resumed.close();
      const get = h.fixture.received.find((r) => r.method === 'GET')!;
      expect(get.headers['mcp-session-id']).toBe(sessionId);
      expect(get.headers['last-event-id']).toBe(eventId);
      expect(get.headers.authorization).toBeUndefined();
    });

    it('an SDK v1 client’s token never reaches the upstream (whoami_headers)', async () => {
      const client = new Client({ name: 'transport', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(route), {
          requestInit: { headers: { authorization: `Bearer ${alice}`, cookie: 'c=1' } },
        }),
      );
      const result = await client.callTool({ name: 'whoami_headers', arguments: {} });
      const headers = (result.structuredContent as { headers: Record<string, string> }).headers;
      expect(headers.authorization).toBeUndefined();
      expect(headers.cookie).toBeUndefined();
      expect(headers['mcp-session-id']).toBeDefined();
      await client.close();
    });
  });

  describe('SPEC-MUST 11: Origin and Host', () => {
    const list = (): McpCall => ({ token: alice, body: initializeMessage() });

    it.each(['https://evil.example.test', 'null', 'http://127.0.0.1.evil.example.test'])(
      'refuses Origin %s with 403 before anything else (even without a token)',
      async (origin) => {
        for (const call of [list(), { body: initializeMessage() }]) {
          const answer = await mcpCall(route, { ...call, headers: { origin } });
          expect(answer.status).toBe(403);
          expect(answer.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
        }
        expect(h.fixture.received).toHaveLength(0);
      },
    );

    it('lets an origin listed in GATEWAY_ALLOWED_ORIGINS through (case-insensitively)', async () => {
      for (const origin of [ALLOWED_ORIGIN, ALLOWED_ORIGIN.toUpperCase()]) {
        const answer = await mcpCall(route, { ...list(), headers: { origin } });
        expect(answer.status).toBe(200);
      }
    });

    it('lets a loopback origin through in localhost mode (local clients such as the Inspector)', async () => {
      const answer = await mcpCall(route, {
        ...list(),
        headers: { origin: 'http://localhost:6274' },
      });
      expect(answer.status).toBe(200);
    });

    it.each(['evil.example.test', 'evil.example.test:80', '127.0.0.1.evil.example.test'])(
      'refuses a forged Host %s in localhost mode (DNS rebinding) with a 4xx',
      async (host) => {
        const answer = await rawHttp(route, {
          headers: {
            host,
            authorization: `Bearer ${alice}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify(initializeMessage()),
        });
        expect(answer.status).toBe(403);
        expect(JSON.parse(answer.text)).toMatchObject({ error: { code: -32600 } });
        expect(h.fixture.received).toHaveLength(0);
      },
    );
  });

  describe('SPEC-MUST 13: GET and DELETE are authenticated and passed through', () => {
    it('opens the session’s GET stream through the gateway at once, though the upstream stays quiet', async () => {
      const sessionId = await openLegacySession(route, alice);
      // The upstream's first byte on this stream is its keep-alive, 15 s away: the head must not
      // wait for it (a client with a headers timeout would give up on a healthy idle stream).
      const stream = await openSse(
        route,
        {
          method: 'GET',
          token: alice,
          headers: { ...legacyHeaders(sessionId), accept: 'text/event-stream' },
        },
        { headWithinMs: 5000 },
      );
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.headers.get('x-accel-buffering')).toBe('no');
      stream.close();
    });

    it('passes DELETE through and forgets the session (the next use is 404)', async () => {
      const sessionId = await openLegacySession(route, alice);
      const deleted = await mcpCall(route, {
        method: 'DELETE',
        token: alice,
        headers: legacyHeaders(sessionId),
      });
      expect(deleted.status).toBe(200);
      const after = await mcpCall(route, {
        token: alice,
        headers: legacyHeaders(sessionId),
        body: { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      });
      expect(after.status).toBe(404);
    });

    it('passes the upstream’s own refusal of a GET without a session through unchanged', async () => {
      const call: McpCall = { method: 'GET', headers: { accept: 'text/event-stream' } };
      const reference = await direct(call);
      const answer = await mcpCall(route, { ...call, token: alice });
      expect(answer.status).toBe(reference.status);
      expect(answer.json).toEqual(reference.json);
    });
  });

  describe('SPEC-MUST 14: SSE streamed without buffering; a client disconnect aborts upstream', () => {
    it('answers an SSE response with X-Accel-Buffering: no', async () => {
      const sessionId = await openLegacySession(route, alice);
      const answer = await mcpCall(route, {
        token: alice,
        headers: legacyHeaders(sessionId),
        body: { jsonrpc: '2.0', id: 2, method: 'ping' },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(answer.headers.get('x-accel-buffering')).toBe('no');
      expect(answer.messages.at(-1)).toEqual({ jsonrpc: '2.0', id: 2, result: {} });
    });

    it('delivers a progress tool’s events before its final result (2026-07-28, raw)', async () => {
      const call = modernRequest(
        7,
        'tools/call',
        { name: 'test_tool_with_progress', arguments: {} },
        {
          progressToken: 'p-7',
        },
      );
      const stream = await openSse(route, { token: alice, headers: call.headers, body: call.body });
      expect(stream.headers.get('x-accel-buffering')).toBe('no');
      await stream.ended;
      expect(
        stream.messages.map((m) =>
          m.method === 'notifications/progress' ? m.params.progress : 'result',
        ),
      ).toEqual([0, 50, 100, 'result']);
      expect(stream.messages.at(-1).id).toBe(7);
    });

    it('delivers progress to an SDK v1 client before the call resolves (2025 wire)', async () => {
      const client = new Client({ name: 'progress', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(route), {
          requestInit: { headers: { authorization: `Bearer ${alice}` } },
        }),
      );
      // Each progress callback records whether the call had already resolved by then.
      const seen: Array<[number, boolean]> = [];
      let resolved = false;
      await client
        .callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
          onprogress: (progress) => {
            seen.push([progress.progress, resolved]);
          },
        })
        .finally(() => {
          resolved = true;
        });
      expect(seen).toEqual([
        [0, false],
        [50, false],
        [100, false],
      ]);
      await client.close();
    });

    it('streams a server-to-client request mid-call: the call completes only if the event is not held back', async () => {
      // test_sampling waits for the client's answer to sampling/createMessage, sent on the same
      // SSE response: a buffering proxy would deadlock here.
      const client = new Client(
        { name: 'sampler', version: '1.0.0' },
        { capabilities: { sampling: {} } },
      );
      client.setRequestHandler(CreateMessageRequestSchema, () => ({
        role: 'assistant',
        content: { type: 'text', text: 'streamed answer' },
        model: 'test-model',
      }));
      await client.connect(
        new StreamableHTTPClientTransport(new URL(route), {
          requestInit: { headers: { authorization: `Bearer ${alice}` } },
        }),
      );
      const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
      expect(result.content).toEqual([{ type: 'text', text: 'LLM response: streamed answer' }]);
      await client.close();
    });

    it('delivers events on a long-lived stream while it stays open (subscriptions/listen)', async () => {
      const listen = modernRequest(11, 'subscriptions/listen', {
        notifications: { toolsListChanged: true },
      });
      const stream = await openSse(route, {
        token: alice,
        headers: listen.headers,
        body: listen.body,
      });
      expect(stream.status).toBe(200);
      await stream.waitFor((m) => m.method === 'notifications/subscriptions/acknowledged');
      const trigger = modernRequest(12, 'tools/call', {
        name: 'test_trigger_tool_change',
        arguments: {},
      });
      await mcpCall(route, { token: alice, headers: trigger.headers, body: trigger.body });
      await stream.waitFor((m) => m.method === 'notifications/tools/list_changed');
      stream.close();
    });

    it('aborts the upstream request when the client goes away (fixture slow)', async () => {
      const call = modernRequest(13, 'tools/call', { name: 'slow', arguments: { ms: 30_000 } });
      const controller = new AbortController();
      const pending = mcpCall(route, {
        token: alice,
        headers: call.headers,
        body: call.body,
        signal: controller.signal,
      }).catch((error: unknown) => error);
      await within(10_000, () =>
        h.fixture.received.some((r) => r.body.includes('"slow"') && !r.aborted),
      );
      const upstream = h.fixture.received.filter((r) => r.body.includes('"slow"')).at(-1)!;
      controller.abort();
      await pending;
      await within(10_000, () => upstream.aborted);
      expect(upstream.aborted).toBe(true);
    });
  });

  describe('SPEC-MUST 15, 17: upstream answers pass through unchanged', () => {
    const cases: Array<[string, () => McpCall]> = [
      [
        '404 −32601 for an unknown method',
        () => {
          const m = modernRequest(21, 'nope/nothing');
          return { headers: m.headers, body: m.body };
        },
      ],
      // (An Mcp-Param-* mismatch is refused by the gateway itself once it has relayed the tool's
      // schema: gateway-smoke "SPEC-MUST 16 … Mcp-Param-*".)
      [
        '200 −32602 for an unknown tool',
        () => {
          const m = modernRequest(23, 'tools/call', { name: 'no_such_tool', arguments: {} });
          return { headers: m.headers, body: m.body };
        },
      ],
      [
        '400 for a 2025 request without a session',
        () => ({
          body: { jsonrpc: '2.0', id: 24, method: 'tools/list' },
        }),
      ],
      [
        'a tool error result (isError)',
        () => {
          const m = modernRequest(25, 'tools/call', { name: 'test_error_handling', arguments: {} });
          return { headers: m.headers, body: m.body };
        },
      ],
    ];

    it.each(cases)('passes %s through as the upstream sent it', async (_label, make) => {
      const reference = await direct(make());
      const answer = await mcpCall(route, { ...make(), token: alice });
      expect(answer.status).toBe(reference.status);
      expect(answer.json).toEqual(reference.json);
      expect(answer.json).toBeDefined();
    });

    it('passes the upstream’s 404 for a session it forgot through, so the client re-initializes', async () => {
      const sessionId = await openLegacySession(route, alice);
      // The upstream ends the session behind the gateway's back (restart, expiry).
      const ended = await direct({ method: 'DELETE', headers: legacyHeaders(sessionId) });
      expect(ended.status).toBe(200);
      const answer = await mcpCall(route, {
        token: alice,
        headers: legacyHeaders(sessionId),
        body: { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      });
      expect(answer.status).toBe(404);
      expect(answer.json.error).toEqual({ code: -32001, message: 'Session not found' });
    });

    it('answers 502 with a generic JSON-RPC error when the upstream cannot be reached (SPEC-MUST 37)', async () => {
      const answer = await mcpCall(`${h.gatewayUrl}/mcp/down`, {
        token: alice,
        body: initializeMessage(9),
      });
      expect(answer.status).toBe(502);
      expect(answer.json).toEqual({
        jsonrpc: '2.0',
        id: 9,
        error: { code: -32003, message: 'The upstream MCP server is unavailable.' },
      });
      expect(answer.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connect/i);
    });
  });

  describe('SPEC-MUST 16: 2026-07-28 mirrored headers must match the body', () => {
    const echo = () => modernRequest(31, 'tools/call', { name: 'echo', arguments: { text: 'x' } });
    const mismatches: Array<[string, () => McpCall]> = [
      [
        'Mcp-Method naming another method',
        () => {
          const m = echo();
          return { headers: { ...m.headers, 'mcp-method': 'tools/list' }, body: m.body };
        },
      ],
      [
        'Mcp-Name naming an allowed tool while the body calls a denied one',
        () => {
          const m = modernRequest(32, 'tools/call', { name: 'test_audio_content', arguments: {} });
          return { headers: { ...m.headers, 'mcp-name': 'echo' }, body: m.body };
        },
      ],
      [
        'no Mcp-Method header',
        () => {
          const { 'mcp-method': _gone, ...headers } = echo().headers;
          return { headers, body: echo().body };
        },
      ],
      [
        'no Mcp-Name header on tools/call',
        () => {
          const { 'mcp-name': _gone, ...headers } = echo().headers;
          return { headers, body: echo().body };
        },
      ],
      [
        'an MCP-Protocol-Version header disagreeing with the body',
        () => {
          const m = echo();
          return {
            headers: { ...m.headers, 'mcp-protocol-version': LEGACY_VERSION },
            body: m.body,
          };
        },
      ],
      [
        'a malformed Base64 sentinel in Mcp-Name',
        () => {
          const m = echo();
          return { headers: { ...m.headers, 'mcp-name': '=?base64?not*base64?=' }, body: m.body };
        },
      ],
    ];

    it.each(mismatches)(
      'refuses %s: 400 −32020 before anything reaches the upstream',
      async (_label, make) => {
        const answer = await mcpCall(route, { ...make(), token: alice });
        expect(answer.status).toBe(400);
        expect(answer.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32020 } });
        expect(h.fixture.received).toHaveLength(0);
      },
    );

    it('accepts Mcp-Name as the Base64 sentinel of the body’s name', async () => {
      const m = echo();
      const answer = await mcpCall(route, {
        token: alice,
        headers: {
          ...m.headers,
          'mcp-name': `=?base64?${Buffer.from('echo').toString('base64')}?=`,
        },
        body: m.body,
      });
      expect(answer.status).toBe(200);
      expect(answer.messages.at(-1).result.content).toEqual([{ type: 'text', text: 'x' }]);
    });
  });

  describe('tools/list is filtered by policy (DESIGN Policies), in JSON and SSE answers', () => {
    const expectFiltered = (names: string[]): void => {
      expect(names).toContain('echo');
      // oauth policy, no github connection: still listed, calling it answers the remedy.
      expect(names).toContain('test_image_content');
      expect(names).not.toContain('test_audio_content');
    };

    it('the upstream itself lists the denied tool (the filter is the gateway’s)', async () => {
      const m = modernRequest(41, 'tools/list');
      const reference = await direct({ headers: m.headers, body: m.body });
      expect(reference.json.result.tools.map((t: { name: string }) => t.name)).toContain(
        'test_audio_content',
      );
    });

    it('filters a JSON answer (2026-07-28, raw)', async () => {
      const m = modernRequest(42, 'tools/list');
      const answer = await mcpCall(route, { token: alice, headers: m.headers, body: m.body });
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expectFiltered(answer.json.result.tools.map((t: { name: string }) => t.name));
    });

    it('filters an SSE answer (2025 session, raw)', async () => {
      const sessionId = await openLegacySession(route, alice);
      const answer = await mcpCall(route, {
        token: alice,
        headers: legacyHeaders(sessionId),
        body: { jsonrpc: '2.0', id: 43, method: 'tools/list' },
      });
      expect(answer.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expectFiltered(answer.messages.at(-1).result.tools.map((t: { name: string }) => t.name));
    });

    it('filters for an SDK v1 client and an SDK v2 client pinned to 2026-07-28 alike', async () => {
      const v1 = new Client({ name: 'v1', version: '1.0.0' });
      await v1.connect(
        new StreamableHTTPClientTransport(new URL(route), {
          requestInit: { headers: { authorization: `Bearer ${alice}` } },
        }),
      );
      const v2 = new ClientV2(
        { name: 'v2', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: MODERN_VERSION } } },
      );
      await v2.connect(
        new TransportV2(new URL(route), {
          requestInit: { headers: { authorization: `Bearer ${alice}` } },
        }),
      );
      const names1 = (await v1.listTools()).tools.map((t) => t.name);
      const names2 = (await v2.listTools()).tools.map((t) => t.name);
      expectFiltered(names1);
      expect(names2.sort()).toEqual([...names1].sort());
      expect(
        h.fixture.received.some((r) => r.headers['mcp-protocol-version'] === MODERN_VERSION),
      ).toBe(true);
      await v1.close();
      await v2.close();
    });

    it('refuses a call to the denied tool with −32002 and never forwards it', async () => {
      const m = modernRequest(44, 'tools/call', { name: 'test_audio_content', arguments: {} });
      const answer = await mcpCall(route, { token: alice, headers: m.headers, body: m.body });
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ id: 44, error: { code: -32002 } });
      expect(h.fixture.received).toHaveLength(0);
    });
  });

  describe('SPEC-MUST 18: nothing is served from a cache to another authorization context', () => {
    it('sends each caller’s identical request to the upstream and answers each with its own result', async () => {
      const answers = [];
      for (const [token, trace] of [
        [alice, '00-11111111111111111111111111111111-1111111111111111-01'],
        [bob, '00-22222222222222222222222222222222-2222222222222222-01'],
      ] as const) {
        const m = modernRequest(51, 'tools/call', { name: 'whoami_headers', arguments: {} });
        answers.push(
          await mcpCall(route, {
            token,
            headers: { ...m.headers, traceparent: trace },
            body: m.body,
          }),
        );
      }
      expect(h.fixture.received).toHaveLength(2);
      expect(answers[0]!.json.result.structuredContent.headers.traceparent).toMatch(/^00-1{32}/);
      expect(answers[1]!.json.result.structuredContent.headers.traceparent).toMatch(/^00-2{32}/);
    });
  });
});
