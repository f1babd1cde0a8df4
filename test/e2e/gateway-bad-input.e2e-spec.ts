import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway, type GatewayHarness } from '../support/gateway.harness';
import {
  ACCEPT,
  applyPolicies,
  initializeMessage,
  LEGACY_VERSION,
  mcpCall,
  type McpCall,
  MODERN_VERSION,
  modernMeta,
  modernRequest,
  openLegacySession,
  parseBody,
  rawHttp,
} from '../support/mcp-wire';
import { startTrustedIssuer, type TrustedIssuer } from '../support/trusted-issuer';

// SPEC-MUST 38 for the gateway: bad input gets a clear 4xx (or a JSON-RPC error) with a message
// that says what is wrong — never a 5xx, never a crash. Named cases first, then a seeded fuzz
// loop over methods, headers and bodies.

const BODY_LIMIT = 64 * 1024;
const FUZZ_RUNS = 1200;
const FUZZ_SEED = 20260728;

describe('gateway bad input (SPEC-MUST 38)', () => {
  let h: GatewayHarness;
  let idp: TrustedIssuer;
  let route: string;
  let token: string;
  /** Log lines at error level or above: the gateway's 5xx path. */
  const failures: string[] = [];

  beforeAll(async () => {
    idp = await startTrustedIssuer();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line !== '' && (JSON.parse(line) as { level: number }).level >= 50) {
            failures.push(line);
          }
        }
        done();
      },
    });
    h = await startGateway({
      gateway: {
        GATEWAY_TRUSTED_ISSUERS: JSON.stringify([{ issuer: idp.issuer, jwks_uri: idp.jwksUri }]),
        GATEWAY_BODY_LIMIT_BYTES: String(BODY_LIMIT),
      },
      logger: pino({ level: 'warn' }, sink),
    });
    route = `${h.gatewayUrl}/mcp/fixture`;
    token = await idp.sign(
      { sub: 'alice', aud: h.gatewayUrl, scope: 'mcp:tools mcp:resources:read mcp:prompts:read' },
      { expiresIn: '1h' },
    );
    await applyPolicies(h, [
      { name: 'open', match_pattern: '*', priority: 10, auth_method: { type: 'none' } },
      {
        name: 'no audio',
        match_pattern: 'fixture.test_audio_content',
        priority: 20,
        auth_method: { type: 'deny' },
      },
    ]);
  });

  afterAll(async () => {
    await h?.close();
    await idp?.close();
  });

  beforeEach(() => h.fixture.clear());

  /** A refusal of bad input: the status, a JSON body with a message, and nothing forwarded. */
  function expectClearRefusal(
    answer: { status: number; json: any },
    status: number,
    code?: number,
  ): void {
    expect(answer.status).toBe(status);
    expect(answer.json).toBeDefined();
    const message =
      answer.json.error?.message ?? answer.json.message ?? answer.json.error_description;
    expect(typeof message).toBe('string');
    expect(message.length).toBeGreaterThan(5);
    if (code !== undefined) {
      expect(answer.json).toMatchObject({ jsonrpc: '2.0', error: { code } });
    }
    expect(h.fixture.received).toHaveLength(0);
  }

  describe('the body', () => {
    const cases: Array<[string, string | Buffer, number, number]> = [
      ['malformed JSON', '{"jsonrpc":"2.0","id":1,', 400, -32700],
      ['an empty body', '', 400, -32700],
      [
        'invalid UTF-8',
        Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        400,
        -32700,
      ],
      [
        'a lone UTF-16 surrogate in UTF-8 form',
        Buffer.from('{"a":"\xed\xa0\x80"}', 'latin1'),
        400,
        -32700,
      ],
      ['a batch', JSON.stringify([initializeMessage(1), initializeMessage(2)]), 400, -32600],
      ['an empty batch', '[]', 400, -32600],
      ['a JSON scalar', '42', 400, -32600],
      ['null', 'null', 400, -32600],
      ['jsonrpc "1.0"', JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'ping' }), 400, -32600],
      ['no jsonrpc member', JSON.stringify({ id: 1, method: 'ping' }), 400, -32600],
      [
        'a method that is not a string',
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 7 }),
        400,
        -32600,
      ],
      [
        'an object id',
        JSON.stringify({ jsonrpc: '2.0', id: { a: 1 }, method: 'ping' }),
        400,
        -32600,
      ],
      [
        'params that are a string',
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: 'x' }),
        400,
        -32600,
      ],
    ];

    it.each(cases)(
      'answers %s with a clear 400 JSON-RPC error',
      async (_label, raw, status, code) => {
        const answer = await mcpCall(route, { token, raw });
        expectClearRefusal(answer, status, code);
      },
    );

    it('answers a body above GATEWAY_BODY_LIMIT_BYTES with 413', async () => {
      const padding = 'x'.repeat(BODY_LIMIT + 1);
      const answer = await mcpCall(route, {
        token,
        body: { jsonrpc: '2.0', id: 1, method: 'ping', params: { padding } },
      });
      expect(answer.status).toBe(413);
      expect(answer.json).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32600,
          message: `the request body is larger than ${BODY_LIMIT} bytes`,
        },
      });
      expect(h.fixture.received).toHaveLength(0);
    });

    it.each([
      ['text/plain', 'text/plain', -32600],
      ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded', -32600],
      ['application/json-patch+json', 'application/json-patch+json', -32600],
      // Fastify refuses a header it cannot parse before the route runs; the gateway's error
      // handler answers it as JSON-RPC like its own refusals.
      ['a header that is not a media type', 'not a type;;;', -32600],
    ])('answers Content-Type %s with 415', async (_label, type, code) => {
      const answer = await mcpCall(route, {
        token,
        headers: { 'content-type': type },
        body: initializeMessage(),
      });
      expectClearRefusal(answer, 415, code);
    });

    it('answers a POST without Content-Type with 415', async () => {
      const answer = await rawHttp(route, {
        headers: { authorization: `Bearer ${token}`, accept: ACCEPT },
        body: JSON.stringify(initializeMessage()),
      });
      expectClearRefusal({ status: answer.status, json: parseBody(answer.text).json }, 415, -32600);
    });

    it('accepts application/json with a charset parameter (the positive control)', async () => {
      const answer = await mcpCall(route, {
        token,
        headers: { 'content-type': 'Application/JSON; charset=utf-8' },
        body: initializeMessage(),
      });
      expect(answer.status).toBe(200);
    });

    it.each([
      ['no params.name', {}],
      ['an empty name', { name: '' }],
      ['a name of 300 characters', { name: 'x'.repeat(300) }],
      ['a name that is a number', { name: 42 }],
    ])('answers tools/call with %s with 400 −32602', async (_label, params) => {
      const answer = await mcpCall(route, {
        token,
        body: { jsonrpc: '2.0', id: 5, method: 'tools/call', params },
      });
      expectClearRefusal(answer, 400, -32602);
      expect(answer.json.id).toBe(5);
    });
  });

  describe('headers that disagree with the body', () => {
    const cases: Array<[string, () => McpCall, number]> = [
      [
        'a 2026-07-28 header on a request without the _meta envelope',
        () => ({
          headers: { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/list' },
          body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        }),
        -32602,
      ],
      [
        'a 2026-07-28 body under a 2025 header',
        () => {
          const m = modernRequest(1, 'tools/list');
          return {
            headers: { ...m.headers, 'mcp-protocol-version': LEGACY_VERSION },
            body: m.body,
          };
        },
        -32020,
      ],
      [
        'a 2026-07-28 body without MCP-Protocol-Version',
        () => {
          const m = modernRequest(1, 'tools/list');
          const { 'mcp-protocol-version': _gone, ...headers } = m.headers;
          return { headers, body: m.body };
        },
        -32020,
      ],
      [
        'initialize under a 2026-07-28 header',
        () => ({ headers: { 'mcp-protocol-version': MODERN_VERSION }, body: initializeMessage() }),
        -32020,
      ],
      [
        'a protocol version in _meta that is not a version',
        () => ({
          headers: { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/list' },
          body: {
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/list',
            params: { _meta: modernMeta({ 'io.modelcontextprotocol/protocolVersion': 20260728 }) },
          },
        }),
        -32602,
      ],
      [
        'Mcp-Method disagreeing with the body',
        () => {
          const m = modernRequest(1, 'tools/list');
          return { headers: { ...m.headers, 'mcp-method': 'tools/call' }, body: m.body };
        },
        -32020,
      ],
    ];

    it.each(cases)('answers %s with 400', async (_label, make, code) => {
      const answer = await mcpCall(route, { ...make(), token });
      expectClearRefusal(answer, 400, code);
    });
  });

  describe('forged session ids', () => {
    it('answers an unknown (well-formed) session id with 404', async () => {
      const answer = await mcpCall(route, {
        token,
        headers: { 'mcp-session-id': '2f1c6f7e-7d5e-4b8e-9a55-3d1a2b9c0e11' },
        body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      });
      expectClearRefusal(answer, 404, -32600);
    });

    it.each([
      ['300 characters', 'a'.repeat(300)],
      ['a space inside', 'abc def'],
      ['bytes outside ASCII', 'sess\u00e9\u00ff'],
      ['two ids at once', ['id-one', 'id-two']],
    ])('answers a session id with %s with 400', async (_label, value) => {
      const answer = await rawHttp(route, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: ACCEPT,
          'content-type': 'application/json',
          'mcp-session-id': value,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expectClearRefusal({ status: answer.status, json: parseBody(answer.text).json }, 400, -32600);
    });

    it('answers a real session id used on GET and DELETE by nobody’s token with 401, not 5xx', async () => {
      const sessionId = await openLegacySession(route, token);
      h.fixture.clear();
      for (const method of ['GET', 'DELETE']) {
        const answer = await mcpCall(route, {
          method,
          headers: { 'mcp-session-id': sessionId, authorization: 'Bearer .' },
        });
        expect(answer.status).toBe(401);
      }
      expect(h.fixture.received).toHaveLength(0);
    });
  });

  describe('bad credentials', () => {
    it.each([
      ['Bearer without a token', 'Bearer'],
      ['Bearer with two tokens', 'Bearer abc def'],
      ['a token of 12 000 characters', `Bearer ${'a'.repeat(12_000)}`],
      ['three empty JWT segments', 'Bearer ..'],
      [
        'a JWT whose header is not JSON',
        `Bearer ${Buffer.from('{').toString('base64url')}.e30.sig`,
      ],
      ['a Basic credential', 'Basic YWxpY2U6c2VjcmV0'],
      ['an over-long API key', `ApiKey ${'k'.repeat(600)}`],
      ['an unknown API key', 'ApiKey mcpgw_unknown_key_0123456789'],
      ['a token with bytes outside ASCII', 'Bearer tok\u00e9n'],
    ])('answers %s with 401 invalid_token', async (_label, authorization) => {
      const answer = await rawHttp(route, {
        headers: { authorization, accept: ACCEPT, 'content-type': 'application/json' },
        body: JSON.stringify(initializeMessage()),
      });
      expect(answer.status).toBe(401);
      expect(String(answer.headers['www-authenticate'])).toMatch(/^Bearer error="invalid_token"/);
      expect(parseBody(answer.text).json).toMatchObject({ error: 'invalid_token' });
      expect(h.fixture.received).toHaveLength(0);
    });

    it('answers an unknown X-API-Key with 401 invalid_token', async () => {
      const answer = await mcpCall(route, {
        headers: { 'x-api-key': 'mcpgw_not_a_real_key_0123456789' },
        body: initializeMessage(),
      });
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ error: 'invalid_token' });
    });
  });

  describe('methods and paths', () => {
    it.each(['PUT', 'PATCH'])(
      'answers %s on the MCP route with 405 and Allow: GET, POST, DELETE',
      async (method) => {
        const answer = await mcpCall(route, { method, token, body: initializeMessage() });
        expect(answer.status).toBe(405);
        expect(answer.headers.get('allow')).toBe('GET, POST, DELETE');
        expect(answer.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
        expect(h.fixture.received).toHaveLength(0);
      },
    );

    it('answers HEAD with 405 and never opens the upstream GET stream', async () => {
      const answer = await rawHttp(route, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(answer.status).toBe(405);
      expect(h.fixture.received).toHaveLength(0);
    });

    it.each([
      '/mcp/',
      '/mcp/fixture/extra',
      '/mcp/%00',
      '/mcp/..%2f..%2fadmin',
      `/mcp/${'n'.repeat(2000)}`,
    ])('answers POST %s with a 4xx JSON body', async (path) => {
      const answer = await mcpCall(`${h.gatewayUrl}${path}`, { token, body: initializeMessage() });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.json).toBeDefined();
      expect(h.fixture.received).toHaveLength(0);
    });
  });

  describe('fuzz: random malformed requests', () => {
    interface FuzzRequest {
      method: string;
      path: string;
      headers: Record<string, string>;
      body: Buffer | undefined;
    }

    // Valid requests of every kind the route serves; the fuzz mutates them, so most requests get
    // past the first checks and reach deep layers (and the upstream) with one thing wrong.
    const templates = (): FuzzRequest[] => {
      const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
      const post = (headers: Record<string, string>, body: unknown): FuzzRequest => ({
        method: 'POST',
        path: '/mcp/fixture',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: ACCEPT,
          ...headers,
        },
        body: json(body),
      });
      const modern = (method: string, params: Record<string, unknown> = {}): FuzzRequest => {
        const m = modernRequest(7, method, params);
        return post(m.headers, m.body);
      };
      return [
        post({}, initializeMessage(1)),
        modern('tools/list'),
        modern('tools/call', { name: 'echo', arguments: { text: 'fuzz' } }),
        { ...modern('tools/call', { name: 'forecast', arguments: { region: 'US' } }) },
        modern('tools/call', { name: 'test_audio_content', arguments: {} }),
        modern('resources/list'),
        modern('prompts/get', { name: 'test_simple_prompt' }),
        modern('server/discover'),
        post(
          { 'mcp-protocol-version': LEGACY_VERSION },
          { jsonrpc: '2.0', id: 3, method: 'tools/list' },
        ),
        post({}, { jsonrpc: '2.0', method: 'notifications/initialized' }),
        post({}, { jsonrpc: '2.0', id: 4, result: {} }),
        {
          method: 'GET',
          path: '/mcp/fixture',
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
          body: undefined,
        },
        {
          method: 'DELETE',
          path: '/mcp/fixture',
          headers: { authorization: `Bearer ${token}`, 'mcp-session-id': 'not-a-session' },
          body: undefined,
        },
      ];
    };

    const headerText = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 80,
    });
    const headerNames = [
      'authorization',
      'content-type',
      'accept',
      'mcp-session-id',
      'mcp-protocol-version',
      'mcp-method',
      'mcp-name',
      'mcp-param-region',
      'last-event-id',
      'origin',
      'x-api-key',
      'content-encoding',
    ];
    const interesting = fc.constantFrom(
      LEGACY_VERSION,
      MODERN_VERSION,
      '2024-11-05',
      'tools/call',
      'tools/list',
      'echo',
      '',
      'Bearer ',
      'Bearer x.y.z',
      'application/json',
      'text/event-stream',
      'https://evil.example.test',
      'http://localhost:1',
      '=?base64?ZWNobw==?=',
      '=?base64?%%?=',
      'gzip',
      'null',
    );

    type Mutation = (r: FuzzRequest) => FuzzRequest;
    const setHeader: fc.Arbitrary<Mutation> = fc
      .tuple(fc.constantFrom(...headerNames), fc.oneof(headerText, interesting))
      .map(([name, value]) => (r) => ({ ...r, headers: { ...r.headers, [name]: value } }));
    const dropHeader: fc.Arbitrary<Mutation> = fc.nat().map((n) => (r) => {
      const names = Object.keys(r.headers);
      const { [names[n % Math.max(names.length, 1)] ?? '']: _gone, ...rest } = r.headers;
      return { ...r, headers: rest };
    });
    const setMethod: fc.Arbitrary<Mutation> = fc
      .constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD')
      .map((method) => (r) => ({ ...r, method }));
    const setPath: fc.Arbitrary<Mutation> = fc
      .constantFrom(
        '/mcp/nope',
        '/mcp/fixture?x=1',
        '/mcp/fixture?access_token=abc',
        '/mcp/fixture/x',
        '/mcp/%2e%2e',
        '/mcp/FIXTURE',
        '/mcp/fixture%00',
      )
      .map((path) => (r) => ({ ...r, path }));
    const truncate: fc.Arbitrary<Mutation> = fc.nat().map((n) => (r) => ({
      ...r,
      body: r.body?.subarray(0, n % (r.body.length + 1)),
    }));
    const flipByte: fc.Arbitrary<Mutation> = fc
      .tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([at, byte]) => (r) => {
        if (r.body === undefined || r.body.length === 0) {
          return r;
        }
        const body = Buffer.from(r.body);
        body[at % body.length] = byte;
        return { ...r, body };
      });
    // Replaces one member (top level or in params) with a random JSON value, or drops it.
    const editField: fc.Arbitrary<Mutation> = fc
      .tuple(
        fc.constantFrom(
          ['jsonrpc'],
          ['id'],
          ['method'],
          ['params'],
          ['result'],
          ['params', 'name'],
          ['params', '_meta'],
          ['params', 'arguments'],
          ['params', 'requestState'],
          ['params', '_meta', 'io.modelcontextprotocol/protocolVersion'],
        ),
        fc.option(fc.oneof(fc.jsonValue(), interesting), { nil: undefined }),
      )
      .map(([path, value]) => (r) => {
        let parsed: any;
        try {
          parsed = JSON.parse(r.body?.toString('utf8') ?? '');
        } catch {
          return r;
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          return r;
        }
        let holder = parsed;
        for (const segment of path.slice(0, -1)) {
          if (typeof holder[segment] !== 'object' || holder[segment] === null) {
            holder[segment] = {};
          }
          holder = holder[segment];
        }
        if (value === undefined) {
          delete holder[path.at(-1)!];
        } else {
          holder[path.at(-1)!] = value;
        }
        return { ...r, body: Buffer.from(JSON.stringify(parsed)) };
      });
    const replaceBody: fc.Arbitrary<Mutation> = fc
      .oneof(
        fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
        fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
        fc.string({ unit: 'binary', maxLength: 128 }).map((t) => Buffer.from(t)),
      )
      .map((body) => (r) => ({ ...r, body }));
    const batch: fc.Arbitrary<Mutation> = fc.constant((r) => ({
      ...r,
      body:
        r.body === undefined
          ? undefined
          : Buffer.concat([Buffer.from('['), r.body, Buffer.from(']')]),
    }));

    const arbRequest = fc
      .tuple(
        fc.nat(),
        fc.array(
          fc.oneof(
            { weight: 4, arbitrary: setHeader },
            { weight: 2, arbitrary: dropHeader },
            { weight: 1, arbitrary: setMethod },
            { weight: 1, arbitrary: setPath },
            { weight: 1, arbitrary: truncate },
            { weight: 1, arbitrary: flipByte },
            { weight: 4, arbitrary: editField },
            { weight: 1, arbitrary: replaceBody },
            { weight: 1, arbitrary: batch },
          ),
          { minLength: 1, maxLength: 3 },
        ),
      )
      .map(([pick, mutations]) => {
        const all = templates();
        return mutations.reduce((r, mutate) => mutate(r), all[pick % all.length]!);
      });

    it(`answers ${FUZZ_RUNS} mutated requests with status < 500 and JSON, then still serves a valid client`, async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(arbRequest, async (r) => {
          const withBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
          const answer = await rawHttp(`${h.gatewayUrl}${r.path}`, {
            method: r.method,
            headers: r.headers,
            ...(withBody ? { body: r.body } : {}),
          });
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status >= 500) {
            throw new Error(
              `${answer.status} for ${r.method} ${r.path}: ${answer.text.slice(0, 300)}`,
            );
          }
          const type = String(answer.headers['content-type'] ?? '');
          if (r.method !== 'HEAD' && answer.text !== '' && !type.startsWith('text/event-stream')) {
            expect(() => JSON.parse(answer.text) as unknown).not.toThrow();
          }
          if (answer.status >= 400 && r.method !== 'HEAD') {
            expect(type).toMatch(/^application\/json/);
          }
        }),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: true },
      );
      // The mutations must have reached every layer, the upstream included, not only the first refusal.
      for (const status of [200, 400, 401, 403, 404, 415]) {
        expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
      }
      expect(h.fixture.received.length).toBeGreaterThan(50);
      expect(failures).toEqual([]);

      const client = new Client({ name: 'after-fuzz', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(route), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      const result = await client.callTool({ name: 'echo', arguments: { text: 'still here' } });
      expect(result.content).toEqual([{ type: 'text', text: 'still here' }]);
      await client.close();
    }, 240_000);
  });
});
