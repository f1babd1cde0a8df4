import fc from 'fast-check';
import { JSONRPC_ERRORS } from './error-codes';
import { classifyMessage, jsonRpcError, jsonRpcResult, type MessageParse } from './json-rpc';

const refused = (message: string | RegExp) => ({
  ok: false,
  code: JSONRPC_ERRORS.invalidRequest,
  message: expect.stringMatching(message),
});

describe('JSON-RPC 2.0 §4: one request, notification or response per POST', () => {
  it('reads a request: an id, a method and object params', () => {
    const body = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'x' } };
    expect(classifyMessage(body)).toEqual({
      ok: true,
      body,
      message: { kind: 'request', id: 7, method: 'tools/call', params: { name: 'x' } },
    });
  });

  it('hands back the body it was given, not a copy (it is forwarded as it came)', () => {
    const body = { jsonrpc: '2.0', id: 'a', method: 'ping' };
    const parse = classifyMessage(body);
    expect(parse.ok && parse.body).toBe(body);
  });

  it.each([['abc'], [''], [0], [-3], [Number.MAX_SAFE_INTEGER]])(
    'accepts the request id %j (a string or an integer)',
    (id) => {
      expect(classifyMessage({ jsonrpc: '2.0', id, method: 'ping' })).toMatchObject({
        ok: true,
        message: { kind: 'request', id },
      });
    },
  );

  it('reads a message without an id as a notification, params optional', () => {
    expect(classifyMessage({ jsonrpc: '2.0', method: 'notifications/initialized' })).toEqual({
      ok: true,
      body: { jsonrpc: '2.0', method: 'notifications/initialized' },
      message: { kind: 'notification', method: 'notifications/initialized', params: undefined },
    });
  });

  it.each([
    [{ jsonrpc: '2.0', id: 3, result: {} }, 3],
    [{ jsonrpc: '2.0', id: 'x', error: { code: -1, message: 'no' } }, 'x'],
    [{ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }, null],
    [{ jsonrpc: '2.0', error: { code: -32700, message: 'parse error' } }, null],
  ])('reads %j as a response to id %j', (body, id) => {
    expect(classifyMessage(body)).toEqual({ ok: true, body, message: { kind: 'response', id } });
  });

  it.each([
    ['an empty batch', []],
    ['a batch of one request', [{ jsonrpc: '2.0', id: 1, method: 'ping' }]],
  ])('refuses %s: 2025-06-18 removed batching and 2026-07-28 forbids it', (_case, body) => {
    expect(classifyMessage(body)).toEqual(refused(/batches are not supported/));
  });

  it.each([
    ['null', null],
    ['a string', '{"jsonrpc":"2.0"}'],
    ['a number', 42],
    ['an object without jsonrpc', { id: 1, method: 'ping' }],
    ['JSON-RPC 1.0', { jsonrpc: '1.0', id: 1, method: 'ping' }],
    ['a numeric jsonrpc', { jsonrpc: 2, id: 1, method: 'ping' }],
  ])('refuses %s as not a JSON-RPC 2.0 message', (_case, body) => {
    expect(classifyMessage(body)).toEqual(refused('not a JSON-RPC 2.0 message'));
  });

  it.each([
    ['an array (by-position params)', [1, 2]],
    ['null', null],
    ['a string', 'name'],
  ])('refuses params given as %s: MCP params are always an object', (_case, params) => {
    expect(classifyMessage({ jsonrpc: '2.0', id: 1, method: 'tools/call', params })).toEqual(
      refused('params must be an object'),
    );
  });

  it.each([
    ['a string', 'x'],
    ['null', null],
    ['an array', []],
    ['a number', 0],
  ])(
    'refuses params._meta given as %s: MCP reserves it for an object (the SDK refuses it as -32600)',
    (_case, meta) => {
      const params = { name: 'x', _meta: meta };
      expect(classifyMessage({ jsonrpc: '2.0', id: 1, method: 'tools/call', params })).toEqual(
        refused('params._meta must be an object'),
      );
      expect(classifyMessage({ jsonrpc: '2.0', method: 'notifications/x', params })).toEqual(
        refused('params._meta must be an object'),
      );
    },
  );

  it.each([[null], [1.5], [true], [{}], [['a']]])('refuses the request id %j', (id) => {
    expect(classifyMessage({ jsonrpc: '2.0', id, method: 'ping' })).toEqual(
      refused('id must be a string or an integer'),
    );
  });

  it.each([[2 ** 53], [-(2 ** 53)], [1e300]])(
    'refuses the id %j: beyond 2^53 JSON.parse has already rounded it, so the answer could not echo it (the SDK refuses it too)',
    (id) => {
      expect(classifyMessage({ jsonrpc: '2.0', id, method: 'ping' })).toEqual(
        refused('id must be a string or an integer'),
      );
      expect(classifyMessage({ jsonrpc: '2.0', id, result: {} })).toMatchObject({
        ok: true,
        message: { kind: 'response', id: null },
      });
    },
  );

  it.each([
    ['empty', ''],
    ['longer than 256 characters', 'x'.repeat(257)],
  ])('refuses a method name that is %s (a gateway limit; the SDK would answer -32601)', (_c, m) => {
    expect(classifyMessage({ jsonrpc: '2.0', id: 1, method: m })).toEqual(
      refused('method is invalid'),
    );
    expect(classifyMessage({ jsonrpc: '2.0', method: m })).toEqual(refused('method is invalid'));
  });

  it('accepts a method name of exactly 256 characters', () => {
    expect(classifyMessage({ jsonrpc: '2.0', id: 1, method: 'x'.repeat(256) }).ok).toBe(true);
  });

  it.each([
    ['neither method nor result nor error', { jsonrpc: '2.0', id: 1 }],
    ['a method that is not a string', { jsonrpc: '2.0', id: 1, method: 5 }],
  ])('refuses a message with %s', (_case, body) => {
    expect(classifyMessage(body)).toEqual(
      refused('not a JSON-RPC request, notification or response'),
    );
  });
});

describe('classifyMessage is total: any JSON value gets a verdict, never an exception', () => {
  // Bodies that look like JSON-RPC reach the deeper branches far more often than fc.jsonValue() alone.
  const jsonRpcLike = fc.record(
    {
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue()),
      id: fc.jsonValue(),
      method: fc.oneof(fc.string(), fc.jsonValue()),
      params: fc.jsonValue(),
      result: fc.jsonValue(),
      error: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );

  const consistent = (body: unknown, parse: MessageParse): boolean => {
    if (!parse.ok) {
      return parse.code === JSONRPC_ERRORS.invalidRequest && parse.message.length > 0;
    }
    const { message } = parse;
    const record = body as Record<string, unknown>;
    switch (message.kind) {
      case 'request':
        return record.id === message.id && record.method === message.method;
      case 'notification':
        return !('id' in record) && record.method === message.method;
      case 'response':
        return typeof record.method !== 'string' && ('result' in record || 'error' in record);
    }
  };

  it('never throws on an arbitrary JSON value, and a verdict agrees with the body', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), jsonRpcLike), (body) => {
        const parse = classifyMessage(body);
        expect(consistent(body, parse)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on a JSON text parsed the way the gateway parses it', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(() => classifyMessage(JSON.parse(text))).not.toThrow();
      }),
    );
  });
});

describe('JSON-RPC 2.0 §5 response bodies', () => {
  it('builds an error response without a data member when there is no data', () => {
    expect(jsonRpcError(4, JSONRPC_ERRORS.headerMismatch, 'Mcp-Method differs')).toStrictEqual({
      jsonrpc: '2.0',
      id: 4,
      error: { code: -32020, message: 'Mcp-Method differs' },
    });
  });

  it('keeps data when there is some, null included, and answers id null when it is unknown', () => {
    expect(jsonRpcError(null, -32600, 'bad', null)).toStrictEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'bad', data: null },
    });
    expect(jsonRpcError('r', -32001, 'auth', { auth_type: 'oauth' }).error.data).toEqual({
      auth_type: 'oauth',
    });
  });

  it('builds a result response', () => {
    expect(jsonRpcResult('r1', { tools: [] })).toStrictEqual({
      jsonrpc: '2.0',
      id: 'r1',
      result: { tools: [] },
    });
  });
});
