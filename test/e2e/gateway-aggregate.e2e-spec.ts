import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ListRootsRequestSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { startUpstreamFixture, within } from '@app/testing';
import { startGateway, type GatewayHarness } from '../support/gateway.harness';
import { applyPolicies, initializeMessage, mcpCall, registerUpstream } from '../support/mcp-wire';
import { startTrustedIssuer, type TrustedIssuer } from '../support/trusted-issuer';

const SCOPES = 'mcp:tools:read mcp:tools:execute mcp:prompts:read mcp:resources:read';

/** A minimal legacy upstream that pages its tools/list one tool per page (the fixtures do not page). */
async function startPagedUpstream(): Promise<{
  url: string;
  lists: string[];
  close(): Promise<void>;
}> {
  const lists: string[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const message = JSON.parse(raw || '{}') as { id?: number; method?: string; params?: any };
      if (message.id === undefined) {
        res.writeHead(202).end();
        return;
      }
      const answer = (result: unknown) =>
        res
          .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'paged-session' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      if (message.method === 'initialize') {
        answer({
          protocolVersion: message.params.protocolVersion,
          capabilities: { tools: {} },
          serverInfo: { name: 'paged', version: '1' },
        });
      } else if (message.method === 'tools/list') {
        const cursor = message.params?.cursor as string | undefined;
        lists.push(cursor ?? '(first)');
        const page = cursor === 'page-2' ? 2 : 1;
        answer({
          tools: [{ name: `t${page}`, inputSchema: { type: 'object' } }],
          ...(page === 1 ? { nextCursor: 'page-2' } : {}),
        });
      } else {
        answer({});
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    lists,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A minimal legacy upstream whose tool `ask` sends `sampling/createMessage` (always id 77) on the
 * call's SSE answer and finishes only when the client's answer comes back.
 */
async function startAskingUpstream(
  label: string,
): Promise<{ url: string; answers: unknown[]; close(): Promise<void> }> {
  const answers: unknown[] = [];
  let pending: { res: import('node:http').ServerResponse; id: unknown } | undefined;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const message = JSON.parse(raw || '{}') as {
        id?: unknown;
        method?: string;
        params?: any;
        result?: any;
      };
      const json = (result: unknown) =>
        res
          .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': `s-${label}` })
          .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      if (message.method === undefined && message.result !== undefined) {
        answers.push(message.id);
        res.writeHead(202).end();
        const text = (message.result.content as { text?: string }).text;
        pending?.res.end(
          `data: ${JSON.stringify({ jsonrpc: '2.0', id: pending.id, result: { content: [{ type: 'text', text: `client said: ${text}` }] } })}\n\n`,
        );
        pending = undefined;
      } else if (message.id === undefined) {
        res.writeHead(202).end();
      } else if (message.method === 'initialize') {
        json({
          protocolVersion: message.params.protocolVersion,
          capabilities: { tools: {} },
          serverInfo: { name: label, version: '1' },
        });
      } else if (message.method === 'tools/list') {
        json({ tools: [{ name: 'ask', inputSchema: { type: 'object' } }] });
      } else if (message.method === 'tools/call') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': `s-${label}` });
        res.write(
          `data: ${JSON.stringify({ jsonrpc: '2.0', id: 77, method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: `from ${label}` } }], maxTokens: 10 } })}\n\n`,
        );
        pending = { res, id: message.id };
      } else {
        json({});
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    answers,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A minimal legacy upstream with a standalone GET stream on which it announces a tools
 * list_changed and asks the client for its roots (always id 5), recording the answers it gets.
 */
async function startPushingUpstream(
  label: string,
): Promise<{ url: string; answers: unknown[]; gets: number; close(): Promise<void> }> {
  const state = { answers: [] as unknown[], gets: 0 };
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      state.gets++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })}\n\n`,
      );
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'roots/list' })}\n\n`);
      return;
    }
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const message = JSON.parse(raw || '{}') as {
        id?: unknown;
        method?: string;
        params?: any;
        result?: any;
      };
      if (message.method === undefined && message.result !== undefined) {
        state.answers.push({ id: message.id, label, roots: message.result.roots });
        res.writeHead(202).end();
      } else if (message.method === 'initialize') {
        res
          .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': `p-${label}` })
          .end(
            JSON.stringify({
              jsonrpc: '2.0',
              id: message.id,
              result: {
                protocolVersion: message.params.protocolVersion,
                capabilities: { tools: { listChanged: true } },
                serverInfo: { name: label, version: '1' },
              },
            }),
          );
      } else if (message.id === undefined) {
        res.writeHead(202).end();
      } else {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { tools: [] } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    answers: state.answers,
    get gets() {
      return state.gets;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const toolCalls = (received: { body: string }[]) =>
  received
    .map((request) => {
      try {
        return JSON.parse(request.body) as { method?: string; params?: { name?: string } };
      } catch {
        return {};
      }
    })
    .filter((body) => body.method === 'tools/call');

describe('gateway /mcp: the aggregated server (issue 9 §1, §3)', () => {
  let h: GatewayHarness;
  let idp: TrustedIssuer;
  let url: string;
  const token = (sub: string) => idp.sign({ sub, aud: `${h.gatewayUrl}/mcp`, scope: SCOPES });

  beforeAll(async () => {
    idp = await startTrustedIssuer();
    h = await startGateway({
      extraUpstreams: ['a', 'b'],
      gateway: {
        GATEWAY_TRUSTED_ISSUERS: JSON.stringify([{ issuer: idp.issuer, jwks_uri: idp.jwksUri }]),
        GATEWAY_AGGREGATE_LIST_TIMEOUT_MS: '2000',
        GATEWAY_TRAIL_FLUSH_MS: '50',
        GATEWAY_RATE_LIMIT: JSON.stringify({
          upstreams: { b: { max: 200, window_s: 60 }, lim: { max: 2, window_s: 60 } },
        }),
      },
    });
    url = `${h.gatewayUrl}/mcp`;
    await applyPolicies(h, [
      { name: 'all open', match_pattern: '*', priority: 10, auth_method: { type: 'none' } },
      { name: 'no a.slow', match_pattern: 'a.slow', priority: 20, auth_method: { type: 'deny' } },
      {
        name: 'no fixture',
        match_pattern: 'fixture.*',
        priority: 30,
        auth_method: { type: 'deny' },
      },
    ]);
  });

  afterAll(async () => {
    await h?.close();
    await idp?.close();
  });

  beforeEach(() => {
    h.fixture.clear();
    for (const fixture of Object.values(h.extra)) {
      fixture.clear();
    }
  });

  it('RFC 9728: /mcp has its own protected-resource metadata', async () => {
    const res = await fetch(`${h.gatewayUrl}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ resource: `${h.gatewayUrl}/mcp` });
  });

  it('an SDK v1 client sees <upstream>.<tool> from every upstream it may use, filtered by policy, and calls are routed by the prefix with the name unprefixed', async () => {
    const client = new Client({ name: 'agg-v1', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${await token('alice')}` } },
      }),
    );
    expect(client.getServerVersion()?.name).toBe('mcp-auth-gateway');
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['a.echo', 'b.echo', 'b.slow']));
    expect(names).not.toContain('a.slow');
    expect(names.some((name) => name.startsWith('fixture.'))).toBe(false);
    // An upstream whose `_server` policy denies the caller is not even contacted for lists.
    expect(h.fixture.received).toHaveLength(0);

    const result = await client.callTool({ name: 'b.echo', arguments: { text: 'to b' } });
    expect(JSON.stringify(result.content)).toContain('to b');
    expect(toolCalls(h.extra.b!.received).map((body) => body.params?.name)).toEqual(['echo']);
    expect(toolCalls(h.extra.a!.received)).toHaveLength(0);
    expect(h.extra.b!.received.every((r) => r.headers.authorization === undefined)).toBe(true);

    await expect(client.callTool({ name: 'a.slow', arguments: {} })).rejects.toMatchObject({
      code: -32002,
    });
    await expect(client.callTool({ name: 'nowhere.echo', arguments: {} })).rejects.toThrow(
      /-32602.*no upstream serves nowhere\.echo/,
    );
    await client.close();
  });

  it('an SDK v2 client pinned to 2026-07-28 discovers, lists and calls through /mcp; the upstream gets its own tool name in the body and Mcp-Name', async () => {
    const client = new ClientV2(
      { name: 'agg-v2', version: '2.0.0' },
      { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(
      new TransportV2(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${await token('bob')}` } },
      }),
    );
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['a.forecast', 'b.forecast']));
    expect(names).not.toContain('a.slow');
    const result = await client.callTool({
      name: 'b.forecast',
      arguments: { region: 'eu-west', days: 2 },
    });
    expect(JSON.stringify(result.content)).toContain('eu-west: sunny for 2 day(s)');
    const forwarded = h.extra.b!.received.filter((r) => r.headers['mcp-method'] === 'tools/call');
    expect(forwarded.at(-1)?.headers['mcp-name']).toBe('forecast');
    expect(forwarded.at(-1)?.headers['mcp-param-region']).toBe('eu-west');
    expect(toolCalls(forwarded).map((body) => body.params?.name)).toEqual(['forecast']);
    expect(toolCalls(h.extra.a!.received)).toHaveLength(0);
    await client.close();
  });

  it('pagination: a composite cursor asks only the upstreams with more; a cursor we did not issue is -32602', async () => {
    const paged = await startPagedUpstream();
    try {
      await registerUpstream(h, { name: 'paged', url: paged.url });
      const bearer = await token('carol');
      const init = await mcpCall(url, { token: bearer, body: initializeMessage() });
      const session = init.headers.get('mcp-session-id')!;
      const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
      const list = (id: number, params: object) =>
        mcpCall(url, {
          token: bearer,
          headers,
          body: { jsonrpc: '2.0', id, method: 'tools/list', params },
        });

      const first = await list(2, {});
      const firstNames = first.json.result.tools.map((tool: { name: string }) => tool.name);
      expect(firstNames).toEqual(expect.arrayContaining(['paged.t1', 'a.echo']));
      expect(firstNames).not.toContain('paged.t2');
      const cursor = first.json.result.nextCursor as string;
      expect(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).toEqual({
        paged: 'page-2',
      });

      h.extra.a!.clear();
      const second = await list(3, { cursor });
      expect(second.json.result.tools.map((tool: { name: string }) => tool.name)).toEqual([
        'paged.t2',
      ]);
      expect(second.json.result.nextCursor).toBeUndefined();
      expect(paged.lists).toEqual(['(first)', 'page-2']);
      expect(h.extra.a!.received).toHaveLength(0);

      for (const bad of [
        'not base64!',
        Buffer.from('[1]').toString('base64url'),
        Buffer.from('{"paged":1}').toString('base64url'),
      ]) {
        const refused = await list(4, { cursor: bad });
        expect(refused.status).toBe(400);
        expect(refused.json).toMatchObject({ id: 4, error: { code: -32602 } });
      }
    } finally {
      await h.admin('DELETE', '/admin/v1/upstreams/paged');
      await paged.close();
    }
  });

  it('an upstream that is down is left out of lists (log + metric) and a call to it is a clear JSON-RPC error; once it is back (its sessions lost) the next call re-initializes transparently', async () => {
    const client = new Client({ name: 'agg-down', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${await token('dave')}` } },
      }),
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('b.echo');
    const port = Number(new URL(h.extra.b!.url).port);
    await h.extra.b!.close();

    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('a.echo');
    expect(names).not.toContain('b.echo');
    const metrics = await (await fetch(`${h.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /gateway_aggregate_upstream_skipped_total\{[^}]*upstream="b"[^}]*\} [1-9]/,
    );
    await expect(
      client.callTool({ name: 'b.echo', arguments: { text: 'x' } }),
    ).rejects.toMatchObject({
      code: -32003,
      message: expect.stringContaining('upstream b is unavailable'),
    });

    h.extra.b = await startUpstreamFixture({ port });
    const result = await client.callTool({ name: 'b.echo', arguments: { text: 'back again' } });
    expect(JSON.stringify(result.content)).toContain('back again');
    const methods = h.extra.b.received.map(
      (r) => (JSON.parse(r.body || '{}') as { method?: string }).method,
    );
    expect(methods).toEqual(
      expect.arrayContaining(['initialize', 'notifications/initialized', 'tools/call']),
    );
    await client.close();
  });

  it('prompts are merged as <upstream>.<prompt> and routed; resources keep their URIs and are read from the upstream that listed them; ping and logging/setLevel are answered once', async () => {
    const client = new Client({ name: 'agg-prompts', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${await token('ivy')}` } },
      }),
    );
    const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
    expect(prompts).toEqual(
      expect.arrayContaining(['a.test_simple_prompt', 'b.test_simple_prompt']),
    );
    const prompt = await client.getPrompt({ name: 'b.test_simple_prompt' });
    expect(JSON.stringify(prompt.messages)).toContain('simple prompt for testing');
    const gets = (received: { body: string }[]) =>
      received
        .filter((r) => r.body.includes('"prompts/get"'))
        .map((r) => JSON.parse(r.body).params.name);
    expect(gets(h.extra.b!.received)).toEqual(['test_simple_prompt']);
    expect(gets(h.extra.a!.received)).toEqual([]);

    const uris = (await client.listResources()).resources.map((resource) => resource.uri);
    expect(uris).toContain('test://static-text');
    const read = await client.readResource({ uri: 'test://static-text' });
    expect(JSON.stringify(read.contents)).toContain('content of the static text resource');
    await expect(client.readResource({ uri: 'test://never-listed' })).rejects.toThrow(/-32602/);

    await expect(client.ping()).resolves.toBeDefined();
    await client.setLoggingLevel('warning');
    for (const fixture of [h.extra.a!, h.extra.b!]) {
      expect(fixture.received.some((r) => r.body.includes('"logging/setLevel"'))).toBe(true);
    }
    await client.close();
  });

  it("server-to-client requests in a call's SSE answer are relayed with gateway ids (two upstreams using the same id do not collide), and each answer reaches its upstream with the id it used", async () => {
    const asking = [await startAskingUpstream('one'), await startAskingUpstream('two')];
    try {
      await registerUpstream(h, { name: 'ask1', url: asking[0]!.url });
      await registerUpstream(h, { name: 'ask2', url: asking[1]!.url });
      const client = new Client(
        { name: 'agg-sampler', version: '1.0.0' },
        { capabilities: { sampling: {} } },
      );
      const seenIds: unknown[] = [];
      client.setRequestHandler(CreateMessageRequestSchema, (request, extra) => {
        seenIds.push(extra.requestId);
        const content = request.params.messages[0]?.content as { text?: string } | undefined;
        return {
          role: 'assistant',
          content: { type: 'text', text: `re ${content?.text}` },
          model: 'm',
        };
      });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { authorization: `Bearer ${await token('jack')}` } },
        }),
      );
      const [one, two] = await Promise.all([
        client.callTool({ name: 'ask1.ask', arguments: {} }),
        client.callTool({ name: 'ask2.ask', arguments: {} }),
      ]);
      expect(one.content).toEqual([{ type: 'text', text: 'client said: re from one' }]);
      expect(two.content).toEqual([{ type: 'text', text: 'client said: re from two' }]);
      expect(seenIds).toHaveLength(2);
      expect(new Set(seenIds).size).toBe(2);
      expect(seenIds.every((id) => String(id).startsWith('mcpgw-'))).toBe(true);
      // Each upstream got exactly one answer, with its own id (77), never the gateway's.
      expect(asking.map((upstream) => upstream.answers)).toEqual([[77], [77]]);
      await client.close();
    } finally {
      await h.admin('DELETE', '/admin/v1/upstreams/ask1');
      await h.admin('DELETE', '/admin/v1/upstreams/ask2');
      await Promise.all(asking.map((upstream) => upstream.close()));
    }
  });

  it("GET /mcp merges the upstreams' standalone streams: list_changed passes as it is, their server requests reach the client under gateway ids and the answers go back with each upstream's own id", async () => {
    const pushing = [await startPushingUpstream('p1'), await startPushingUpstream('p2')];
    try {
      await registerUpstream(h, { name: 'push1', url: pushing[0]!.url });
      await registerUpstream(h, { name: 'push2', url: pushing[1]!.url });
      const client = new Client(
        { name: 'agg-roots', version: '1.0.0' },
        { capabilities: { roots: { listChanged: true } } },
      );
      const rootIds: unknown[] = [];
      let changed = 0;
      client.setRequestHandler(ListRootsRequestSchema, (_request, extra) => {
        rootIds.push(extra.requestId);
        return { roots: [{ uri: 'file:///work', name: 'work' }] };
      });
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        changed++;
      });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { authorization: `Bearer ${await token('kim')}` } },
        }),
      );
      await within(5000, () => pushing.every((upstream) => upstream.answers.length === 1));
      expect(changed).toBeGreaterThanOrEqual(2);
      expect(new Set(rootIds).size).toBe(2);
      expect(rootIds.every((id) => String(id).startsWith('mcpgw-'))).toBe(true);
      expect(pushing.map((upstream) => upstream.answers)).toEqual([
        [{ id: 5, label: 'p1', roots: [{ uri: 'file:///work', name: 'work' }] }],
        [{ id: 5, label: 'p2', roots: [{ uri: 'file:///work', name: 'work' }] }],
      ]);
      // The denied upstream (fixture.*) was not asked for a stream.
      expect(h.fixture.received.filter((request) => request.method === 'GET')).toHaveLength(0);
      await client.close();
    } finally {
      await h.admin('DELETE', '/admin/v1/upstreams/push1');
      await h.admin('DELETE', '/admin/v1/upstreams/push2');
      await Promise.all(pushing.map((upstream) => upstream.close()));
    }
  });

  it('issue 9 §4/§5 on /mcp: each tool call leaves a trail record under its upstream and unprefixed tool; the rate limit counts per upstream (429 + Retry-After)', async () => {
    const client = new Client({ name: 'agg-trail', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${await token('trailer')}` } },
      }),
    );
    await client.callTool({ name: 'b.echo', arguments: { text: 'trail' } });
    await expect(client.callTool({ name: 'a.slow', arguments: {} })).rejects.toMatchObject({
      code: -32002,
    });
    // The trail is written in batches (GATEWAY_TRAIL_FLUSH_MS 50 here): read until both are there.
    const principal = encodeURIComponent(`${idp.issuer}|trailer`);
    let records: any[] = [];
    for (let attempt = 0; attempt < 50 && records.length < 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const page = await h.admin('GET', `/admin/v1/audit/calls?principal=${principal}`);
      records = (page.json as { calls: any[] }).calls;
    }
    expect(records.find((r) => r.tool === 'echo')).toMatchObject({
      upstream: 'b',
      decision: 'allow',
      upstream_status: 200,
    });
    expect(records.find((r) => r.tool === 'slow')).toMatchObject({
      upstream: 'a',
      decision: 'deny',
    });
    await client.close();

    const lim = await startUpstreamFixture();
    try {
      await registerUpstream(h, { name: 'lim', url: lim.url });
      const bearer = await token('limited');
      const init = await mcpCall(url, { token: bearer, body: initializeMessage() });
      const session = init.headers.get('mcp-session-id')!;
      const callLim = (id: number) =>
        mcpCall(url, {
          token: bearer,
          headers: { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
          body: {
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: { name: 'lim.echo', arguments: { text: 'x' } },
          },
        });
      const statuses = [];
      for (let id = 1; id <= 4; id++) {
        statuses.push(await callLim(id));
      }
      const limited = statuses.find((answer) => answer.status === 429)!;
      expect(limited).toBeDefined();
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32004 } });
      expect(limited.json.id).toEqual(expect.any(Number));
    } finally {
      await h.admin('DELETE', '/admin/v1/upstreams/lim');
      await lim.close();
    }
  });

  it("SPEC-MUST 9: an aggregate session used with another principal's token, or an unknown one, is 404", async () => {
    const init = await mcpCall(url, { token: await token('erin'), body: initializeMessage() });
    expect(init.status).toBe(200);
    const session = init.headers.get('mcp-session-id')!;
    expect(Buffer.from(session, 'base64url').length).toBeGreaterThanOrEqual(16);
    const list = (bearer: string, id: string) =>
      mcpCall(url, {
        token: bearer,
        headers: { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
        body: { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
      });
    expect((await list(await token('erin'), session)).status).toBe(200);
    expect((await list(await token('frank'), session)).status).toBe(404);
    expect((await list(await token('erin'), `${session}x`)).status).toBe(404);
  });

  it('RFC 8707: a token for one upstream route is not accepted on /mcp', async () => {
    const other = await idp.sign({ sub: 'gina', aud: `${h.gatewayUrl}/mcp/a`, scope: SCOPES });
    const answer = await mcpCall(url, { token: other, body: initializeMessage() });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toContain('invalid_token');
    expect(answer.headers.get('www-authenticate')).toContain(
      '/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('DELETE ends the gateway session and its upstream sessions; PUT is 405', async () => {
    const bearer = await token('hank');
    const init = await mcpCall(url, { token: bearer, body: initializeMessage() });
    const session = init.headers.get('mcp-session-id')!;
    const headers = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    await mcpCall(url, {
      token: bearer,
      headers,
      body: { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    });
    const ended = await mcpCall(url, { method: 'DELETE', token: bearer, headers });
    expect(ended.status).toBe(200);
    expect(h.extra.a!.received.some((r) => r.method === 'DELETE')).toBe(true);
    const after = await mcpCall(url, {
      token: bearer,
      headers,
      body: { jsonrpc: '2.0', id: 3, method: 'ping' },
    });
    expect(after.status).toBe(404);
    expect((await mcpCall(url, { method: 'PUT', token: bearer })).status).toBe(405);
  });
});
