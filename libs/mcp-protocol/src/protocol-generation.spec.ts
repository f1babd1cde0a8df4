import { classifyInboundRequest } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { JSONRPC_ERRORS } from './error-codes';
import { classifyMessage, type InboundMessage } from './json-rpc';
import { checkMirroredHeaders } from './mirrored-headers';
import {
  CLIENT_CAPABILITIES_META_KEY,
  classifyGeneration,
  isModernProtocolVersion,
  PROTOCOL_VERSION_META_KEY,
} from './protocol-generation';

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';

/** The `_meta` a 2026-07-28 client puts on every request (the SDK v2 client's outboundEnvelope). */
const envelope = (version: unknown = MODERN, extra: Record<string, unknown> = {}) => ({
  [PROTOCOL_VERSION_META_KEY]: version,
  [CLIENT_CAPABILITIES_META_KEY]: {},
  'io.modelcontextprotocol/clientInfo': { name: 'spec', version: '1.0.0' },
  ...extra,
});

function message(body: Record<string, unknown>): InboundMessage {
  const parse = classifyMessage({ jsonrpc: '2.0', ...body });
  if (!parse.ok) {
    throw new Error(`fixture is not a JSON-RPC message: ${parse.message}`);
  }
  return parse.message;
}

const request = (method: string, params?: Record<string, unknown>) =>
  message({ id: 1, method, ...(params === undefined ? {} : { params }) });
const notification = (method: string, params?: Record<string, unknown>) =>
  message({ method, ...(params === undefined ? {} : { params }) });

const modern = (version: string) => ({ ok: true, generation: 'modern', version });
const legacy = (version: string | undefined) => ({ ok: true, generation: 'legacy', version });
const rejected = (code: number, text: string | RegExp) => ({
  ok: false,
  code,
  message: expect.stringMatching(text),
});

describe('2026-07-28 versioning: the body decides, the header cross-checks', () => {
  it('classifies a request whose _meta names 2026-07-28 as modern when the header agrees', () => {
    expect(classifyGeneration(request('tools/list', { _meta: envelope() }), MODERN)).toEqual(
      modern(MODERN),
    );
  });

  it('classifies a later dated revision as modern too', () => {
    const later = '2027-03-01';
    expect(classifyGeneration(request('tools/list', { _meta: envelope(later) }), later)).toEqual(
      modern(later),
    );
  });

  it.each([
    ['the header names an older revision', LEGACY],
    ['the header names a later revision', '2027-03-01'],
    ['the header is empty', ''],
  ])('refuses a modern body when %s: 400 HeaderMismatch (-32020)', (_case, header) => {
    expect(classifyGeneration(request('tools/list', { _meta: envelope() }), header)).toEqual(
      rejected(JSONRPC_ERRORS.headerMismatch, /names protocol version 2026-07-28/),
    );
  });

  it('refuses a body naming an older revision under a modern header: -32020', () => {
    expect(classifyGeneration(request('tools/list', { _meta: envelope(LEGACY) }), MODERN)).toEqual(
      rejected(JSONRPC_ERRORS.headerMismatch, /names protocol version 2025-11-25/),
    );
  });

  it('refuses a modern request without the MCP-Protocol-Version header (SEP-2243 requires it on every request): -32020', () => {
    expect(classifyGeneration(request('tools/list', { _meta: envelope() }), undefined)).toEqual(
      rejected(JSONRPC_ERRORS.headerMismatch, /MCP-Protocol-Version header is absent/),
    );
  });

  it('lets a modern notification go without the header (the header rules bind requests)', () => {
    expect(
      classifyGeneration(notification('notifications/cancelled', { _meta: envelope() }), undefined),
    ).toEqual(modern(MODERN));
  });

  it('refuses a request the header calls modern but whose body carries no claim: -32602', () => {
    for (const params of [undefined, {}, { _meta: {} }, { _meta: { progressToken: 1 } }]) {
      expect(classifyGeneration(request('tools/list', params), MODERN)).toEqual(
        rejected(JSONRPC_ERRORS.invalidParams, PROTOCOL_VERSION_META_KEY),
      );
    }
  });

  it('lets the header decide for a notification without a claim (notifications carry no envelope)', () => {
    expect(classifyGeneration(notification('notifications/cancelled'), MODERN)).toEqual(
      modern(MODERN),
    );
  });

  it.each([
    ['no header', undefined],
    ['a 2025-11-25 header', LEGACY],
    ['a 2025-03-26 header', '2025-03-26'],
  ])('classifies a request without a claim and with %s as legacy', (_case, header) => {
    expect(classifyGeneration(request('tools/list'), header)).toEqual(legacy(header));
    expect(classifyGeneration(notification('notifications/initialized'), header)).toEqual(
      legacy(header),
    );
  });

  it('classifies a body naming an older revision as legacy, the header agreeing or absent', () => {
    const body = request('tools/list', { _meta: envelope(LEGACY) });
    expect(classifyGeneration(body, undefined)).toEqual(legacy(LEGACY));
    expect(classifyGeneration(body, LEGACY)).toEqual(legacy(LEGACY));
  });

  it.each([
    ['a number', 20260728],
    ['null', null],
    ['an object', { version: MODERN }],
    ['empty (it names no revision)', ''],
  ])(
    'refuses a claim whose version is %s: a present claim is never a silent fall back to legacy (-32602)',
    (_case, version) => {
      const meta = { [PROTOCOL_VERSION_META_KEY]: version, [CLIENT_CAPABILITIES_META_KEY]: {} };
      for (const header of [undefined, MODERN, LEGACY]) {
        expect(classifyGeneration(request('tools/list', { _meta: meta }), header)).toEqual(
          rejected(JSONRPC_ERRORS.invalidParams, /^Invalid _meta envelope/),
        );
        expect(
          classifyGeneration(notification('notifications/x', { _meta: meta }), header),
        ).toEqual(rejected(JSONRPC_ERRORS.invalidParams, /^Invalid _meta envelope/));
      }
    },
  );

  it('does not read the claim from anywhere but params._meta', () => {
    const elsewhere = request('tools/call', {
      name: 'x',
      arguments: { _meta: envelope() },
      [PROTOCOL_VERSION_META_KEY]: MODERN,
    });
    expect(classifyGeneration(elsewhere, undefined)).toEqual(legacy(undefined));
  });
});

describe('2026-07-28 per-request envelope: a request claiming it must carry all of it', () => {
  const withoutCapabilities = (version: string) => ({ [PROTOCOL_VERSION_META_KEY]: version });

  it.each([
    ['the matching header', MODERN],
    ['no header', undefined],
    ['a disagreeing header (the envelope is checked first)', LEGACY],
  ])(
    'refuses a request whose envelope lacks clientCapabilities, with %s: -32602 naming the key',
    (_case, header) => {
      expect(
        classifyGeneration(request('tools/list', { _meta: withoutCapabilities(MODERN) }), header),
      ).toEqual({
        ok: false,
        code: JSONRPC_ERRORS.invalidParams,
        message: `Invalid _meta envelope for protocol revision 2026-07-28: ${CLIENT_CAPABILITIES_META_KEY}: missing`,
      });
    },
  );

  it('checks the envelope behind a claim of an older revision too (the SDK does)', () => {
    expect(
      classifyGeneration(request('tools/list', { _meta: withoutCapabilities(LEGACY) }), LEGACY),
    ).toEqual(rejected(JSONRPC_ERRORS.invalidParams, CLIENT_CAPABILITIES_META_KEY));
  });

  it.each([['all'], [null], [[]], [true]])(
    'refuses clientCapabilities given as %j: -32602',
    (capabilities) => {
      const meta = envelope(MODERN, { [CLIENT_CAPABILITIES_META_KEY]: capabilities });
      expect(classifyGeneration(request('tools/list', { _meta: meta }), MODERN)).toEqual(
        rejected(
          JSONRPC_ERRORS.invalidParams,
          `${CLIENT_CAPABILITIES_META_KEY}: expected an object`,
        ),
      );
    },
  );

  it('accepts an envelope without the optional clientInfo', () => {
    const meta = { [PROTOCOL_VERSION_META_KEY]: MODERN, [CLIENT_CAPABILITIES_META_KEY]: {} };
    expect(classifyGeneration(request('tools/list', { _meta: meta }), MODERN)).toEqual(
      modern(MODERN),
    );
  });

  it('asks a notification only for the version (notifications carry no client capabilities)', () => {
    expect(
      classifyGeneration(
        notification('notifications/cancelled', { _meta: withoutCapabilities(MODERN) }),
        MODERN,
      ),
    ).toEqual(modern(MODERN));
  });
});

describe('RFC 9110 §5.5: optional whitespace around MCP-Protocol-Version is not part of it', () => {
  it.each([[' 2026-07-28'], ['2026-07-28\t'], [' \t2026-07-28 \t']])(
    'reads the header %j as 2026-07-28',
    (header) => {
      expect(classifyGeneration(request('tools/list', { _meta: envelope() }), header)).toEqual(
        modern(MODERN),
      );
      expect(classifyGeneration(notification('notifications/cancelled'), header)).toEqual(
        modern(MODERN),
      );
      expect(classifyGeneration(request('initialize'), header)).toEqual(
        rejected(JSONRPC_ERRORS.headerMismatch, /initialize request/),
      );
    },
  );

  it('keeps other whitespace: a no-break space makes it a different version', () => {
    expect(
      classifyGeneration(request('tools/list', { _meta: envelope() }), '2026-07-28\u00a0'),
    ).toEqual(rejected(JSONRPC_ERRORS.headerMismatch, /names protocol version 2026-07-28/));
  });
});

describe('initialize is the 2025 handshake', () => {
  it('classifies initialize as legacy', () => {
    expect(classifyGeneration(request('initialize', { protocolVersion: LEGACY }), LEGACY)).toEqual(
      legacy(LEGACY),
    );
  });

  it('refuses initialize sent with a modern MCP-Protocol-Version header: -32020', () => {
    expect(classifyGeneration(request('initialize', { protocolVersion: LEGACY }), MODERN)).toEqual(
      rejected(JSONRPC_ERRORS.headerMismatch, /initialize request \(legacy handshake\)/),
    );
  });

  it('reports the version initialize asks for, which is params.protocolVersion', () => {
    expect(
      classifyGeneration(request('initialize', { protocolVersion: '2025-06-18' }), undefined),
    ).toEqual(legacy('2025-06-18'));
    expect(classifyGeneration(request('initialize', {}), LEGACY)).toEqual(legacy(LEGACY));
  });

  it.each([
    ['a malformed claim', { [PROTOCOL_VERSION_META_KEY]: 7 }],
    ['a modern claim without clientCapabilities', { [PROTOCOL_VERSION_META_KEY]: MODERN }],
    ['a claim of an older revision', envelope(LEGACY)],
  ])(
    'keeps initialize the legacy handshake behind %s (only a valid modern envelope overrides it)',
    (_c, meta) => {
      const init = request('initialize', { protocolVersion: LEGACY, _meta: meta });
      expect(classifyGeneration(init, undefined)).toEqual(legacy(LEGACY));
      expect(classifyGeneration(init, '2025-06-18')).toEqual(legacy(LEGACY));
      expect(classifyGeneration(init, MODERN)).toEqual(
        rejected(JSONRPC_ERRORS.headerMismatch, /initialize request \(legacy handshake\)/),
      );
    },
  );

  it('treats a notification named initialize as any other notification', () => {
    expect(classifyGeneration(notification('initialize'), MODERN)).toEqual(modern(MODERN));
  });

  it('lets a valid modern envelope win over the method name (the modern era answers it -32601)', () => {
    expect(classifyGeneration(request('initialize', { _meta: envelope() }), MODERN)).toEqual(
      modern(MODERN),
    );
  });
});

describe('posted responses belong to the 2025 generation', () => {
  // 2026-07-28 has no server-to-client requests (input_required results replace them), so a client
  // never POSTs a response there; the SDK routes every posted response to legacy serving.
  it.each([[undefined], [LEGACY], [MODERN]])(
    'classifies a response under the header %j as legacy',
    (header) => {
      const response = message({ id: 1, result: {} });
      expect(classifyGeneration(response, header)).toEqual(legacy(header));
    },
  );
});

describe('isModernProtocolVersion', () => {
  it.each([
    ['2026-07-28', true],
    ['2026-12-01', true],
    ['2030-01-01', true],
    ['2026-07-27', false],
    ['2025-11-25', false],
    ['2025-06-18', false],
    ['2024-11-05', false],
    ['', false],
    ['1.0', false],
    // Revision names compare as strings (ISO dates sort in time); a name that is not a date, like a
    // draft's, sorts after them all and is modern, as in the SDK: the upstream, not the gateway,
    // then says whether it serves it (-32022).
    ['DRAFT-2026-v1', true],
    ['draft', true],
  ])('%j is modern: %s', (version, expected) => {
    expect(isModernProtocolVersion(version)).toBe(expected);
  });

  it('classifies a claim naming a draft revision as modern, leaving support to the upstream', () => {
    const draft = 'DRAFT-2026-v1';
    expect(classifyGeneration(request('tools/list', { _meta: envelope(draft) }), draft)).toEqual(
      modern(draft),
    );
    expect(classifyGeneration(request('tools/list'), draft)).toEqual(
      rejected(JSONRPC_ERRORS.invalidParams, PROTOCOL_VERSION_META_KEY),
    );
  });
});

describe('the SDK v2 server classifier (classifyInboundRequest) is the reference', () => {
  interface Post {
    body: Record<string, unknown>;
    protocolVersionHeader?: string;
    mcpMethodHeader?: string;
  }
  type Outcome = { route: 'legacy' } | { route: 'modern'; version: string } | { reject: number };

  /** The gateway's steps in pipeline order: message shape, generation, then (modern) the mirrors. */
  function gateway(post: Post): Outcome {
    const parse = classifyMessage(post.body);
    if (!parse.ok) {
      return { reject: parse.code };
    }
    const generation = classifyGeneration(parse.message, post.protocolVersionHeader);
    if (!generation.ok) {
      return { reject: generation.code };
    }
    if (generation.generation === 'legacy') {
      return { route: 'legacy' };
    }
    const mirrors = checkMirroredHeaders(parse.message, post.mcpMethodHeader, undefined);
    return mirrors.ok
      ? { route: 'modern', version: generation.version! }
      : { reject: mirrors.code };
  }

  const claimOf = (body: Record<string, unknown>): unknown => {
    const meta = (body.params as { _meta?: unknown } | undefined)?._meta;
    return typeof meta === 'object' && meta !== null && !Array.isArray(meta)
      ? (meta as Record<string, unknown>)[PROTOCOL_VERSION_META_KEY]
      : undefined;
  };
  const claimsOlderRevision = (body: Record<string, unknown>): boolean => {
    const claim = claimOf(body);
    return typeof claim === 'string' && claim !== '' && !isModernProtocolVersion(claim);
  };

  /**
   * What the SDK answers, up to where the gateway stops: the classifier, then the presence half of
   * validateStandardRequestHeaders (not exported), which the SDK runs next on a modern request.
   * Deliberate differences: a claim naming an older revision is legacy here (the SDK's era for it
   * too, but its modern path answers -32022), so a Mcp-Method mismatch on such a claim is left to
   * the upstream as well; an empty claim names no revision and is refused -32602 (the SDK's modern
   * path refuses it -32022), the initialize handshake aside.
   */
  function sdk(post: Post): Outcome {
    const outcome = classifyInboundRequest({ httpMethod: 'POST', ...post });
    const shapeRefused =
      outcome.kind === 'reject' && outcome.code === JSONRPC_ERRORS.invalidRequest;
    const handshake = post.body.method === 'initialize' && 'id' in post.body;
    if (claimOf(post.body) === '' && !handshake && !shapeRefused) {
      return { reject: JSONRPC_ERRORS.invalidParams };
    }
    switch (outcome.kind) {
      case 'reject':
        return outcome.cell === 'method-header-mismatch' && claimsOlderRevision(post.body)
          ? { route: 'legacy' }
          : { reject: outcome.code };
      case 'legacy':
        return { route: 'legacy' };
      case 'modern':
        if (outcome.classification.era === 'legacy') {
          return { route: 'legacy' };
        }
        if (
          outcome.messageKind === 'request' &&
          (post.protocolVersionHeader === undefined || post.mcpMethodHeader === undefined)
        ) {
          return { reject: JSONRPC_ERRORS.headerMismatch };
        }
        return { route: 'modern', version: outcome.classification.revision! };
    }
  }

  const versions = fc.constantFrom(MODERN, '2027-01-01', LEGACY, '2025-06-18', 'DRAFT-2026-v1', '');
  const header = fc.option(
    fc.oneof(
      versions,
      versions.map((v) => ` ${v}\t`),
    ),
    { nil: undefined },
  );
  const claim = fc.oneof(versions, fc.constantFrom<unknown>(7, null, { v: MODERN }));
  const capabilities = fc.constantFrom<unknown>(
    {},
    { roots: { listChanged: true } },
    'all',
    null,
    [],
  );
  const meta = fc.record(
    {
      [PROTOCOL_VERSION_META_KEY]: claim,
      [CLIENT_CAPABILITIES_META_KEY]: capabilities,
      'io.modelcontextprotocol/clientInfo': fc.constant({ name: 'c', version: '1' }),
      progressToken: fc.constant('p'),
    },
    { requiredKeys: [] },
  );
  const params = fc.option(
    fc.record(
      {
        _meta: fc.oneof({ weight: 5, arbitrary: meta }, fc.constantFrom<unknown>('x', null, [])),
        protocolVersion: versions,
        cursor: fc.constant('c'),
      },
      { requiredKeys: [] },
    ),
    { nil: undefined },
  );
  const method = fc.constantFrom(
    'tools/list',
    'initialize',
    'ping',
    'server/discover',
    'notifications/initialized',
    'x/custom',
  );
  const withParams = (body: Record<string, unknown>, p: Record<string, unknown> | undefined) =>
    p === undefined ? body : { ...body, params: p };
  const body = fc.oneof(
    fc
      .tuple(fc.oneof(fc.integer(), fc.string(), fc.constant(2 ** 53)), method, params)
      .map(([id, m, p]) => withParams({ jsonrpc: '2.0', id, method: m }, p)),
    fc.tuple(method, params).map(([m, p]) => withParams({ jsonrpc: '2.0', method: m }, p)),
    fc.constant({ jsonrpc: '2.0', id: 1, result: {} }),
    fc.constant({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'no' } }),
  );
  const post = fc
    .tuple(
      body,
      header,
      fc.option(
        fc.oneof(
          method,
          method.map((m) => `${m} `),
        ),
        { nil: undefined },
      ),
    )
    .map(([b, protocolVersionHeader, mcpMethodHeader]): Post => ({
      body: b,
      ...(protocolVersionHeader === undefined ? {} : { protocolVersionHeader }),
      ...(mcpMethodHeader === undefined ? {} : { mcpMethodHeader }),
    }));

  it('routes or refuses every POST as the SDK does, with the same JSON-RPC code', () => {
    fc.assert(
      fc.property(post, (p) => {
        expect(gateway(p)).toEqual(sdk(p));
      }),
      { numRuns: 5000 },
    );
  });

  it('exercises every kind of outcome (the generators reach them all)', () => {
    const seen = new Set<string>();
    for (const p of fc.sample(post, { numRuns: 5000, seed: 1 })) {
      const o = sdk(p);
      seen.add('reject' in o ? String(o.reject) : o.route);
    }
    expect([...seen].sort()).toEqual(['-32020', '-32600', '-32602', 'legacy', 'modern'].sort());
  });
});
