// The test upstream (libs/testing upstream-fixture) driven by the official SDK clients directly:
// v1 (@modelcontextprotocol/sdk, 2025-11-25 sessions) and v2 (@modelcontextprotocol/client pinned
// to 2026-07-28). What the gateway's tests rely on it for: both generations answer, server-to-
// client requests work, and `received` shows every request and header exactly as it arrived.
import { request as httpRequest } from 'node:http';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import {
  startUpstreamFixture,
  within,
  type ReceivedRequest,
  type UpstreamFixture,
} from '@app/testing';

const MODERN = '2026-07-28';
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
};

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ type: string; text?: string }> }).content;
  return content.map((block) => block.text ?? '').join('');
}

/** The received POSTs whose JSON-RPC body calls `method` (and, if given, the tool `name`). */
function postsOf(fixture: UpstreamFixture, method: string, name?: string): ReceivedRequest[] {
  return fixture.received.filter((r) => {
    if (r.method !== 'POST' || r.body === '') {
      return false;
    }
    const body = JSON.parse(r.body) as { method?: string; params?: { name?: string } };
    return body.method === method && (name === undefined || body.params?.name === name);
  });
}

/** A 2026-07-28 tools/call over plain fetch, for the wire-level cases the SDK client would not send. */
function modernCall(
  url: string,
  name: string,
  args: object,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) {
  return fetch(url, {
    method: 'POST',
    signal,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': 'tools/call',
      'mcp-name': name,
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name, arguments: args, _meta: MODERN_META },
    }),
  });
}

/** A POST with a forged Host header (fetch will not send one), answered with its status. */
function postWithHost(url: string, host: string): Promise<number> {
  const target = new URL(url);
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/list',
    params: { _meta: MODERN_META },
  });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          host,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': MODERN,
          'mcp-method': 'tools/list',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('upstream fixture: a real MCP server for both protocol generations', () => {
  let fixture: UpstreamFixture;

  beforeAll(async () => {
    fixture = await startUpstreamFixture();
  });

  afterAll(async () => {
    await fixture.close();
  });

  beforeEach(() => fixture.clear());

  describe('2025-11-25 sessions (SDK v1 client)', () => {
    let client: ClientV1;
    let transport: TransportV1;

    beforeEach(async () => {
      client = new ClientV1(
        { name: 'v1-test', version: '1.0.0' },
        { capabilities: { sampling: {} } },
      );
      client.setRequestHandler(CreateMessageRequestSchema, () => ({
        role: 'assistant',
        content: { type: 'text', text: 'Paris' },
        model: 'test-model',
      }));
      transport = new TransportV1(new URL(fixture.url), {
        requestInit: { headers: { 'X-Test-Marker': 'from-v1' } },
      });
      await client.connect(transport);
    });

    afterEach(async () => {
      await client.close();
    });

    it('initializes a session and lists the conformance and gateway tools', async () => {
      expect(transport.sessionId).toMatch(/^[\x21-\x7e]+$/);
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      expect(names[0]).toBe('test_simple_text');
      expect(names).toEqual(
        expect.arrayContaining(['echo', 'whoami_headers', 'slow', 'forecast', 'test_sampling']),
      );
    });

    it('calls echo, and every later request carries the session id and the negotiated version', async () => {
      const result = await client.callTool({ name: 'echo', arguments: { text: 'hello v1' } });
      expect(textOf(result)).toBe('hello v1');
      const [call] = postsOf(fixture, 'tools/call', 'echo');
      expect(call.headers['mcp-session-id']).toBe(transport.sessionId);
      expect(call.headers['mcp-protocol-version']).toBe('2025-11-25');
    });

    it('whoami_headers reports the headers the call arrived with, as received records them', async () => {
      const result = await client.callTool({ name: 'whoami_headers', arguments: {} });
      const seen = JSON.parse(textOf(result)) as Record<string, string>;
      expect(seen['x-test-marker']).toBe('from-v1');
      expect(seen.authorization).toBeUndefined();
      const [call] = postsOf(fixture, 'tools/call', 'whoami_headers');
      expect(call.headers['x-test-marker']).toBe('from-v1');
      expect(call.rawHeaders).toEqual(expect.arrayContaining(['from-v1']));
    });

    it('sends a sampling request to the client mid-call and returns its answer (server-to-client request)', async () => {
      const result = await client.callTool({
        name: 'test_sampling',
        arguments: { prompt: 'Capital of France?' },
      });
      expect(textOf(result)).toBe('LLM response: Paris');
    });

    it('replays a closed SSE stream after Last-Event-ID: the result arrives on the resumed GET', async () => {
      const session = {
        'mcp-session-id': transport.sessionId as string,
        'mcp-protocol-version': '2025-11-25',
      };
      // test_reconnection closes its POST stream before answering (SEP-1699).
      const post = await fetch(fixture.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...session,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 77,
          method: 'tools/call',
          params: { name: 'test_reconnection', arguments: {} },
        }),
      });
      const closed = await post.text();
      expect(closed).not.toContain('"id":77');
      const lastEventId = [...closed.matchAll(/^id: (.+)$/gm)].map((m) => m[1]).pop() as string;
      const resumed = await fetch(fixture.url, {
        headers: { accept: 'text/event-stream', 'last-event-id': lastEventId, ...session },
      });
      expect(resumed.status).toBe(200);
      const reader = (resumed.body as ReadableStream<Uint8Array>).getReader();
      let replayed = '';
      while (!replayed.includes('"id":77')) {
        const { done, value } = await reader.read();
        if (done) {
          break;
        }
        replayed += new TextDecoder().decode(value);
      }
      await reader.cancel();
      expect(replayed).toContain('Reconnection test completed successfully.');
      const resumes = fixture.received.filter(
        (r) => r.method === 'GET' && r.headers['last-event-id'] !== undefined,
      );
      expect(resumes.map((r) => r.headers['last-event-id'])).toEqual([lastEventId]);
    });

    it('ends the session on DELETE; the old session id then answers 404', async () => {
      const sessionId = transport.sessionId as string;
      await transport.terminateSession();
      expect(
        fixture.received.some(
          (r) => r.method === 'DELETE' && r.headers['mcp-session-id'] === sessionId,
        ),
      ).toBe(true);
      const res = await fetch(fixture.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
      });
      expect(res.status).toBe(404);
    });
  });

  describe('2026-07-28 stateless requests (SDK v2 client pinned to 2026-07-28)', () => {
    let client: ClientV2;

    beforeEach(async () => {
      client = new ClientV2(
        { name: 'v2-test', version: '2.0.0' },
        { capabilities: { elicitation: {} }, versionNegotiation: { mode: { pin: MODERN } } },
      );
      client.setRequestHandler('elicitation/create', () => ({
        action: 'accept',
        content: { name: 'Ada' },
      }));
      await client.connect(new TransportV2(new URL(fixture.url)));
    });

    afterEach(async () => {
      await client.close();
    });

    it('lists and calls tools without a session; each request names its method and tool in headers', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'forecast']));
      const result = await client.callTool({ name: 'echo', arguments: { text: 'hello v2' } });
      expect(textOf(result)).toBe('hello v2');
      const [call] = postsOf(fixture, 'tools/call', 'echo');
      expect(call.headers).toMatchObject({
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'echo',
      });
      expect(call.headers['mcp-session-id']).toBeUndefined();
    });

    it('mirrors an x-mcp-header argument in its Mcp-Param-* header (forecast.region → Mcp-Param-Region)', async () => {
      await client.listTools();
      const result = await client.callTool({
        name: 'forecast',
        arguments: { region: 'eu-west', days: 2 },
      });
      expect(textOf(result)).toBe('eu-west: sunny for 2 day(s)');
      const calls = postsOf(fixture, 'tools/call', 'forecast');
      expect(calls.map((call) => call.headers['mcp-param-region'])).toEqual(['eu-west']);
    });

    it('a v2 client that has not listed the tools yet is refused once without the header, then retries with it', async () => {
      const result = await client.callTool({ name: 'forecast', arguments: { region: 'eu-west' } });
      expect(textOf(result)).toBe('eu-west: sunny for 1 day(s)');
      const calls = postsOf(fixture, 'tools/call', 'forecast');
      expect(calls.map((call) => call.headers['mcp-param-region'])).toEqual([undefined, 'eu-west']);
      expect(postsOf(fixture, 'tools/list')).toHaveLength(1);
    });

    it('returns an InputRequiredResult that the v2 client fulfils through its elicitation handler', async () => {
      const result = await client.callTool({
        name: 'test_input_required_result_elicitation',
        arguments: {},
      });
      expect(textOf(result)).toBe('Hello, Ada!');
      // Two rounds on the wire: the first answered input_required, the retry carried the answer.
      expect(postsOf(fixture, 'tools/call', 'test_input_required_result_elicitation')).toHaveLength(
        2,
      );
    });
  });

  describe('wire checks of the 2026-07-28 generation', () => {
    it('rejects an Mcp-Name header that disagrees with the body: 400, HeaderMismatch -32020', async () => {
      const res = await modernCall(
        fixture.url,
        'echo',
        { text: 'x' },
        { 'mcp-name': 'whoami_headers' },
      );
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
    });

    it('rejects a missing Mcp-Param-Region when the body has the region: 400, -32020', async () => {
      const res = await modernCall(fixture.url, 'forecast', { region: 'eu-west' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
    });
  });

  describe('fixture controls', () => {
    it('clear() forgets what was received', async () => {
      await modernCall(fixture.url, 'echo', { text: 'x' });
      expect(fixture.received.length).toBeGreaterThan(0);
      fixture.clear();
      expect(fixture.received).toHaveLength(0);
    });

    it('marks a request aborted when the client goes away mid-call (slow)', async () => {
      const controller = new AbortController();
      const pending = modernCall(fixture.url, 'slow', { ms: 30_000 }, {}, controller.signal).catch(
        (e: unknown) => e,
      );
      await within(5000, () => postsOf(fixture, 'tools/call', 'slow').length === 1);
      controller.abort();
      expect(await pending).toMatchObject({ name: 'AbortError' });
      const [call] = postsOf(fixture, 'tools/call', 'slow');
      await within(5000, () => call.aborted);
    });

    it('does not check Host unless asked; with dnsRebindingProtection a foreign Host is refused', async () => {
      expect(await postWithHost(fixture.url, 'evil.example')).toBe(200);
      const guarded = await startUpstreamFixture({ dnsRebindingProtection: true });
      try {
        expect(await postWithHost(guarded.url, 'evil.example')).toBe(403);
        expect(await postWithHost(guarded.url, `localhost:${new URL(guarded.url).port}`)).toBe(200);
      } finally {
        await guarded.close();
      }
    });
  });
});
