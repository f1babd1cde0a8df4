import fc from 'fast-check';
import { JSONRPC_ERRORS } from './error-codes';
import { classifyMessage, type InboundMessage } from './json-rpc';
import { checkMirroredHeaders, decodeMirroredValue } from './mirrored-headers';

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

const sentinel = (text: string) => `=?base64?${Buffer.from(text, 'utf8').toString('base64')}?=`;
const pass = { ok: true };
const mismatch = (text: string | RegExp) => ({
  ok: false,
  code: JSONRPC_ERRORS.headerMismatch,
  message: expect.stringMatching(text),
});

describe('SEP-2243 Mcp-Method mirrors the body method (400 HeaderMismatch, -32020)', () => {
  it('passes a request whose Mcp-Method equals the method', () => {
    expect(checkMirroredHeaders(request('tools/list'), 'tools/list', undefined)).toEqual(pass);
  });

  it('refuses a request without Mcp-Method: the header is required on every request', () => {
    expect(checkMirroredHeaders(request('tools/list'), undefined, undefined)).toEqual(
      mismatch('the body names method tools/list but the required Mcp-Method header is absent'),
    );
  });

  it.each([['tools/call'], ['Tools/List'], ['tools/list/'], [''], ['tools/list,tools/call']])(
    'refuses a request for tools/list whose Mcp-Method says %j',
    (header) => {
      expect(checkMirroredHeaders(request('tools/list'), header, undefined)).toEqual(
        mismatch(/^the body names method tools\/list but the Mcp-Method header names/),
      );
    },
  );

  it('passes a notification without Mcp-Method, and refuses one whose Mcp-Method differs', () => {
    const cancelled = notification('notifications/cancelled', { requestId: 1 });
    expect(checkMirroredHeaders(cancelled, undefined, undefined)).toEqual(pass);
    expect(checkMirroredHeaders(cancelled, 'notifications/cancelled', undefined)).toEqual(pass);
    expect(checkMirroredHeaders(cancelled, 'notifications/progress', undefined)).toEqual(
      mismatch(/Mcp-Method header names notifications\/progress/),
    );
  });

  it('has nothing to check on a posted response', () => {
    expect(checkMirroredHeaders(message({ id: 1, result: {} }), 'x', 'y')).toEqual(pass);
  });

  it.each([[' tools/list'], ['tools/list\t'], ['\t tools/list  ']])(
    'reads Mcp-Method %j without its optional whitespace (RFC 9110 §5.5)',
    (header) => {
      expect(checkMirroredHeaders(request('tools/list'), header, undefined)).toEqual(pass);
    },
  );
});

describe('RFC 9110 §5.5: only SP and HTAB are optional whitespace around a mirrored header', () => {
  it.each([['tools/list\u00a0'], ['\u3000tools/list'], ['tools/list\v'], ['\ufefftools/list']])(
    'refuses Mcp-Method %j for tools/list: other blanks are part of the value, as upstream',
    (header) => {
      expect(checkMirroredHeaders(request('tools/list'), header, undefined)).toEqual(
        mismatch(/^the body names method tools\/list but the Mcp-Method header names/),
      );
    },
  );

  it('refuses Mcp-Name with a no-break space after the name', () => {
    expect(
      checkMirroredHeaders(request('tools/call', { name: 'a' }), 'tools/call', 'a\u00a0'),
    ).toEqual(mismatch('different from the Mcp-Name header'));
  });
});

describe('SEP-2243 Mcp-Name mirrors the name the body targets', () => {
  it.each([
    ['tools/call', 'name', 'github.create_issue'],
    ['prompts/get', 'name', 'summarise'],
    ['resources/read', 'uri', 'file:///etc/hosts'],
    ['tasks/get', 'taskId', 't-1'],
    ['tasks/update', 'taskId', 't-2'],
    ['tasks/cancel', 'taskId', 't-3'],
  ])('%s: Mcp-Name must equal params.%s', (method, field, value) => {
    const body = request(method, { [field]: value });
    expect(checkMirroredHeaders(body, method, value)).toEqual(pass);
    expect(checkMirroredHeaders(body, method, `${value}x`)).toEqual(
      mismatch(`the body carries params.${field} different from the Mcp-Name header`),
    );
    expect(checkMirroredHeaders(body, method, undefined)).toEqual(
      mismatch(`the body carries params.${field} but the required Mcp-Name header is absent`),
    );
  });

  it('compares the name exactly: case and inner spaces count', () => {
    const body = request('tools/call', { name: 'Send Mail' });
    expect(checkMirroredHeaders(body, 'tools/call', 'send mail').ok).toBe(false);
    expect(checkMirroredHeaders(body, 'tools/call', 'SendMail').ok).toBe(false);
    expect(checkMirroredHeaders(body, 'tools/call', ' Send Mail\t')).toEqual(pass);
  });

  it('does not ask for Mcp-Name when the body has no string to mirror (the upstream refuses that body)', () => {
    for (const params of [undefined, {}, { name: 42 }, { name: null }, { uri: 'x' }]) {
      expect(checkMirroredHeaders(request('tools/call', params), 'tools/call', undefined)).toEqual(
        pass,
      );
      expect(checkMirroredHeaders(request('tools/call', params), 'tools/call', 'x')).toEqual(pass);
    }
  });

  it.each([['tools/list'], ['server/discover'], ['ping'], ['x/custom']])(
    'ignores Mcp-Name on %s, which mirrors no name',
    (method) => {
      const body = request(method, { name: 'a' });
      expect(checkMirroredHeaders(body, method, undefined)).toEqual(pass);
      expect(checkMirroredHeaders(body, method, 'b')).toEqual(pass);
    },
  );

  it.each([['constructor'], ['toString'], ['__proto__'], ['hasOwnProperty']])(
    'reads the method table by own key only: %s mirrors no name',
    (method) => {
      expect(checkMirroredHeaders(request(method, { name: 'a' }), method, 'b')).toEqual(pass);
    },
  );

  it('does not check Mcp-Name on a notification', () => {
    const body = notification('tools/call', { name: 'a' });
    expect(checkMirroredHeaders(body, 'tools/call', 'b')).toEqual(pass);
    expect(checkMirroredHeaders(body, 'tools/call', undefined)).toEqual(pass);
  });
});

describe('SEP-2243 =?base64?…?= sentinel for values a header cannot carry', () => {
  it.each([['ツール.検索'], ['naïve café'], ['emoji 🚀'], ['line\nbreak'], ['']])(
    'decodes the UTF-8 name %j and matches it against the body',
    (name) => {
      expect(decodeMirroredValue(sentinel(name))).toBe(name);
      const body = request('tools/call', { name });
      expect(checkMirroredHeaders(body, 'tools/call', sentinel(name))).toEqual(pass);
      expect(checkMirroredHeaders(body, 'tools/call', sentinel(`${name}!`)).ok).toBe(false);
    },
  );

  it('returns a plain value as it is, without its optional whitespace', () => {
    expect(decodeMirroredValue('github.create_issue')).toBe('github.create_issue');
    expect(decodeMirroredValue(' \tgithub.create_issue \t')).toBe('github.create_issue');
    expect(decodeMirroredValue(` ${sentinel('é')}\t`)).toBe('é');
  });

  it('reads a value that only starts like a sentinel as a plain value', () => {
    expect(decodeMirroredValue('=?base64?QQ==')).toBe('=?base64?QQ==');
    expect(decodeMirroredValue('QQ==?=')).toBe('QQ==?=');
    expect(decodeMirroredValue('=?utf-8?B?QQ==?=')).toBe('=?utf-8?B?QQ==?=');
  });

  it.each([
    ['unpadded Base64', '=?base64?QQ?='],
    ['bytes that are not UTF-8', `=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=`],
    [
      'a lone surrogate encoded as UTF-8',
      `=?base64?${Buffer.from([0xed, 0xa0, 0x80]).toString('base64')}?=`,
    ],
  ])('refuses a sentinel carrying %s: -32020', (_case, header) => {
    expect(decodeMirroredValue(header)).toBeUndefined();
    expect(
      checkMirroredHeaders(request('tools/call', { name: 'A' }), 'tools/call', header),
    ).toEqual(mismatch('the Mcp-Name header carries an invalid Base64 sentinel value'));
  });

  it.each([
    ['a padding in the middle', '=?base64?QQ==QQ==?='],
    ['whitespace in the payload', '=?base64?QU JD?='],
    ['Base64url characters', '=?base64?-_-_?='],
    ['a stray character', '=?base64?QQ!=?='],
  ])(
    'refuses a value framed as a sentinel whose payload is %s, never reading it as a plain name',
    (_case, header) => {
      expect(decodeMirroredValue(header)).toBeUndefined();
      // Read as plain text it would have matched a body carrying the same characters, and the
      // upstream (which sees the frame) would have refused what the gateway had let through.
      expect(
        checkMirroredHeaders(request('tools/call', { name: header }), 'tools/call', header),
      ).toEqual(mismatch('the Mcp-Name header carries an invalid Base64 sentinel value'));
    },
  );

  it('accepts non-zero padding bits as the SDK does (QR== is A, like QQ==)', () => {
    expect(decodeMirroredValue('=?base64?QR==?=')).toBe('A');
    expect(decodeMirroredValue('=?base64?QUJ=?=')).toBe('AB');
  });

  it('keeps a leading U+FEFF: the bytes are the value (the SDK server, decoding with a default TextDecoder, drops it)', () => {
    const withBom = `=?base64?${Buffer.from([0xef, 0xbb, 0xbf, 0x41]).toString('base64')}?=`;
    expect(decodeMirroredValue(withBom)).toBe('\ufeffA');
  });

  it('refuses an invalid sentinel even when the body carries no name to compare', () => {
    expect(checkMirroredHeaders(request('tools/call', {}), 'tools/call', '=?base64?QQ?=')).toEqual(
      mismatch('invalid Base64 sentinel'),
    );
  });
});

describe('the sentinel decoder agrees with the SDK server on any header value', () => {
  // decodeMcpParamValue of @modelcontextprotocol/server 2.4.0 (dist/src-*.cjs), which is not exported;
  // the server strips SP/HTAB before calling it.
  function sdkDecode(value: string): string | undefined {
    if (!(value.startsWith('=?base64?') && value.endsWith('?='))) {
      return value;
    }
    const b64 = value.slice(9, value.length - 2);
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) {
      return undefined;
    }
    try {
      const bytes = Uint8Array.from(atob(b64), (c) => c.codePointAt(0)!);
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return undefined;
    }
  }
  const stripOws = (v: string) => v.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');

  const ows = fc.stringMatching(/^[ \t]{0,2}$/);
  const base64ish = fc.stringMatching(/^[A-Za-z0-9+/=\- _!]{0,12}$/);
  const headerValue = fc.oneof(
    fc.tuple(ows, base64ish, ows).map(([a, p, b]) => `${a}=?base64?${p}?=${b}`),
    fc.string({ unit: 'grapheme' }).map(sentinel),
    fc.uint8Array({ maxLength: 8 }).map((b) => `=?base64?${Buffer.from(b).toString('base64')}?=`),
    fc.tuple(ows, fc.string(), ows).map(([a, v, b]) => `${a}${v}${b}`),
    fc.constantFrom('=?base64?=', '=?base64??=', '=?base64?', '?='),
  );

  it('decodes every value to what the SDK decodes it to (a leading U+FEFF aside)', () => {
    fc.assert(
      fc.property(headerValue, (value) => {
        const ours = decodeMirroredValue(value);
        const theirs = sdkDecode(stripOws(value));
        if (ours !== undefined && ours.startsWith('\ufeff') && theirs === ours.slice(1)) {
          return;
        }
        expect(ours).toBe(theirs);
      }),
      { numRuns: 3000 },
    );
  });
});
