import fc from 'fast-check';
import { formatSseEvent, parseSseEvents, type SseEvent, SseParser } from './sse';

const fields = (events: SseEvent[]) => events.map(({ id, event, data }) => ({ id, event, data }));
const only = (text: string) => {
  const events = parseSseEvents(text);
  expect(events).toHaveLength(1);
  return events[0]!;
};

describe('WHATWG HTML §9.2.6 interpreting an event stream: fields', () => {
  it('reads id, event and data, and keeps the block raw, terminator included', () => {
    const text = 'id: 7\nevent: message\ndata: {"jsonrpc":"2.0"}\n\n';
    expect(parseSseEvents(text)).toEqual([
      { raw: text, id: '7', event: 'message', data: '{"jsonrpc":"2.0"}' },
    ]);
  });

  it('drops exactly one space after the colon', () => {
    expect(only('data:x\n\n').data).toBe('x');
    expect(only('data: x\n\n').data).toBe('x');
    expect(only('data:  x\n\n').data).toBe(' x');
    expect(only('data:\tx\n\n').data).toBe('\tx');
  });

  it('joins data lines with LF, keeps an empty data line, and splits on the first colon only', () => {
    expect(only('data: a\ndata:\ndata: b\n\n').data).toBe('a\n\nb');
    expect(only('data: {"a":1}\n\n').data).toBe('{"a":1}');
    expect(only('data: x: y\n\n').data).toBe('x: y');
  });

  it('reads a line without a colon as a field with an empty value', () => {
    expect(only('data\n\n').data).toBe('');
    expect(only('id\ndata: x\n\n').id).toBe('');
  });

  it('ignores comments, unknown fields, retry and field names in another case', () => {
    expect(
      fields(parseSseEvents(': keep-alive\nretry: 10\nfoo: bar\nData: no\nID: 1\n\n')),
    ).toEqual([{ id: undefined, event: undefined, data: undefined }]);
  });

  it('lets a later line of the same field win, for id and event', () => {
    expect(fields(parseSseEvents('id: 1\nid: 2\nevent: a\nevent: b\ndata: x\n\n'))).toEqual([
      { id: '2', event: 'b', data: 'x' },
    ]);
  });

  it('ignores an id field holding U+0000, keeping the id before it', () => {
    expect(only('id: 1\nid: 2\u0000\ndata: x\n\n').id).toBe('1');
    expect(only('id: \u0000\ndata: x\n\n').id).toBeUndefined();
  });

  it('ignores one U+FEFF opening the stream, and keeps it in the raw text', () => {
    const events = parseSseEvents('\ufeffdata: a\n\n\ufeffdata: b\n\n');
    expect(fields(events)).toEqual([
      { id: undefined, event: undefined, data: 'a' },
      { id: undefined, event: undefined, data: undefined },
    ]);
    expect(events[0]!.raw).toBe('\ufeffdata: a\n\n');
    expect(fields(parseSseEvents('\ufeff\ufeffdata: a\n\n'))[0]!.data).toBeUndefined();
  });

  it('ignores the opening U+FEFF when it arrives alone, and reads "U+FEFF LF" as a blank line', () => {
    const parser = new SseParser();
    expect(parser.push('')).toEqual([]);
    expect(parser.push('\ufeff')).toEqual([]);
    expect(fields(parser.push('data: a\n\n'))).toEqual([
      { id: undefined, event: undefined, data: 'a' },
    ]);
    expect(parseSseEvents('\ufeff\ndata: a\n\n').map((e) => e.raw)).toEqual([
      '\ufeff\n',
      'data: a\n\n',
    ]);
  });

  it('yields a block without data too (comments, ids) so it can be passed on as it came', () => {
    const events = parseSseEvents(': ping\n\nid: 5\n\n');
    expect(events.map((e) => e.raw)).toEqual([': ping\n\n', 'id: 5\n\n']);
    expect(events[1]).toMatchObject({ id: '5', data: undefined });
  });
});

describe('WHATWG HTML §9.2.5 event stream format: lines end in CRLF, LF or CR', () => {
  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('splits blocks ended by %s', (_case, eol) => {
    const text = `id: 1${eol}data: a${eol}${eol}data: b${eol}data: c${eol}${eol}`;
    expect(fields(parseSseEvents(text))).toEqual([
      { id: '1', event: undefined, data: 'a' },
      { id: undefined, event: undefined, data: 'b\nc' },
    ]);
    expect(
      parseSseEvents(text)
        .map((e) => e.raw)
        .join(''),
    ).toBe(text);
  });
});

describe('WHATWG HTML §9.2.5: line endings may be mixed within one stream', () => {
  it.each([
    ['CRLF then LF', 'data: a\r\n\ndata: b\n\n'],
    ['LF then CRLF', 'data: a\n\r\ndata: b\n\n'],
    ['LF then CR', 'data: a\n\rdata: b\n\n'],
    ['CRLF then CR', 'data: a\r\n\rdata: b\n\n'],
    ['CR then CRLF', 'data: a\r\r\ndata: b\n\n'],
  ])('ends a block at a blank line after %s', (_case, text) => {
    expect(parseSseEvents(text).map((e) => e.data)).toEqual(['a', 'b']);
    expect(
      parseSseEvents(text)
        .map((e) => e.raw)
        .join(''),
    ).toBe(text);
  });
});

describe('SseParser: blocks as chunks arrive', () => {
  it('yields a block only once its blank line has arrived', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\n')).toEqual([]);
    expect(parser.push('\ndata: b')).toEqual([
      { raw: 'data: a\n\n', id: undefined, event: undefined, data: 'a' },
    ]);
    expect(parser.push('\n')).toEqual([]);
    expect(parser.push('\n')).toMatchObject([{ raw: 'data: b\n\n', data: 'b' }]);
  });

  it('yields a block ended by CR at once, and reads an LF in the next chunk as the rest of that CRLF', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r\n\r')).toMatchObject([{ raw: 'data: a\r\n\r', data: 'a' }]);
    expect(parser.push('\n')).toEqual([]);
    expect(parser.push('data: b\r\n\r\n')).toMatchObject([{ raw: '\ndata: b\r\n\r\n', data: 'b' }]);
    expect(parser.rest()).toBe('');
  });

  it('hands back an unterminated block from rest(), once', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\n\ndata: cut')).toHaveLength(1);
    expect(parser.rest()).toBe('data: cut');
    expect(parser.rest()).toBe('');
  });

  it('yields every block a chunk completes, in order', () => {
    const parser = new SseParser();
    expect(parser.push('data: 1\n\ndata: 2\n\ndata: 3\n\n').map((e) => e.data)).toEqual([
      '1',
      '2',
      '3',
    ]);
  });
});

describe('SseParser: chunk boundaries change nothing (property)', () => {
  /** WHATWG HTML §9.2.6 read straight from the text, one block per blank line: the reference. */
  function reference(stream: string) {
    const lines = (stream.startsWith('\ufeff') ? stream.slice(1) : stream).split(/\r\n|\r|\n/);
    lines.pop(); // the unterminated tail, if any, is not a line yet
    const blocks: Omit<SseEvent, 'raw'>[] = [];
    let block: { id?: string; event?: string; data?: string[] } = {};
    for (const line of lines) {
      if (line === '') {
        blocks.push({ id: block.id, event: block.event, data: block.data?.join('\n') });
        block = {};
        continue;
      }
      const colon = line.indexOf(':');
      if (colon === 0) {
        continue;
      }
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id' && !value.includes('\u0000')) {
        block.id = value;
      } else if (field === 'event') {
        block.event = value;
      } else if (field === 'data') {
        block.data = [...(block.data ?? []), value];
      }
    }
    return blocks;
  }

  const eol = fc.constantFrom('\n', '\r\n', '\r');
  const line = fc.oneof(
    fc.constantFrom('data', 'data:', 'id', 'id: 1', 'id: a\u0000b', 'event: e', ': c', 'retry: 5'),
    fc
      .tuple(
        fc.constantFrom('data', 'id', 'event', 'x', ''),
        fc.constantFrom(':', ': ', ':  '),
        fc.string(),
      )
      .map(([f, sep, v]) => `${f}${sep}${v.replace(/[\r\n]/g, '')}`),
  );
  const structured = fc
    .tuple(
      fc.boolean(),
      fc.array(fc.tuple(line, eol), { maxLength: 30 }),
      fc.string({ maxLength: 8 }),
    )
    .map(
      ([bom, lines, tail]) =>
        `${bom ? '\ufeff' : ''}${lines.map(([l, e]) => l + e).join('')}${tail}`,
    );
  const noise = fc
    .array(fc.constantFrom('d', 'a', 't', 'i', ':', ' ', '\r', '\n', '\ufeff', 'x', '\u0000'), {
      maxLength: 60,
    })
    .map((cs) => cs.join(''));
  const stream = fc.oneof(structured, noise);

  const chunked = stream.chain((text) =>
    fc.uniqueArray(fc.integer({ min: 0, max: text.length }), { maxLength: 12 }).map((cuts) => {
      const at = [0, ...cuts.sort((a, b) => a - b), text.length];
      return { text, chunks: at.slice(1).map((end, k) => text.slice(at[k], end)) };
    }),
  );

  const run = (chunks: string[]) => {
    const parser = new SseParser();
    const events = chunks.flatMap((chunk) => parser.push(chunk));
    return { events, rest: parser.rest() };
  };

  it('reads a stream in one piece as the reference reading does', () => {
    fc.assert(
      fc.property(stream, (text) => {
        expect(fields(parseSseEvents(text))).toEqual(reference(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('yields the same events for any chunking as in one piece, and raw texts plus rest() are the input', () => {
    fc.assert(
      fc.property(chunked, ({ text, chunks }) => {
        const whole = run([text]);
        const pieces = run(chunks);
        expect(fields(pieces.events)).toEqual(fields(whole.events));
        expect(pieces.events.map((e) => e.raw).join('') + pieces.rest).toBe(text);
        expect(whole.events.map((e) => e.raw).join('') + whole.rest).toBe(text);
        // The raw texts themselves differ only where a cut split the CRLF ending a block.
        const splitsCrlf = chunks.some(
          (chunk, k) => chunk.endsWith('\r') && chunks[k + 1]?.startsWith('\n') === true,
        );
        if (!splitsCrlf) {
          expect(pieces).toEqual(whole);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('formatSseEvent', () => {
  it('writes id, event and one data line per line of data, then the blank line', () => {
    expect(formatSseEvent({ id: '3', event: 'message' }, '{"a":1}\n{"b":2}')).toBe(
      'id: 3\nevent: message\ndata: {"a":1}\ndata: {"b":2}\n\n',
    );
    expect(formatSseEvent({ id: undefined, event: undefined }, 'x')).toBe('data: x\n\n');
  });

  it('writes a data line for every line of data, whatever ends it (a CR would otherwise end the line early)', () => {
    expect(formatSseEvent({ id: undefined, event: undefined }, 'a\rb\r\nc')).toBe(
      'data: a\ndata: b\ndata: c\n\n',
    );
  });

  it.each([
    ['an id with a LF', { id: '1\n\ndata: forged', event: undefined }],
    ['an id with a CR', { id: '1\r', event: undefined }],
    ['an id with U+0000 (a client would drop it)', { id: '1\u0000', event: undefined }],
    ['an event type with a line break', { id: undefined, event: 'message\ndata: x' }],
  ])('refuses %s: it would forge fields or events (TypeError)', (_case, event) => {
    expect(() => formatSseEvent(event, 'x')).toThrow(TypeError);
  });

  it('reads back as the event it wrote', () => {
    const text = formatSseEvent({ id: '', event: 'e' }, ' lead\n\ntrail ');
    expect(fields(parseSseEvents(text))).toEqual([{ id: '', event: 'e', data: ' lead\n\ntrail ' }]);
  });
});

describe('formatSseEvent output reads back (property)', () => {
  it('parses back to its id, its event type and its data with line ends as LF', () => {
    const value = fc
      .string({ unit: 'binary' })
      .filter((v) => !/[\r\n]/.test(v) && !v.includes('\u0000'));
    const multiline = fc
      .array(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('\r', '\n', '\r\n')))
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        fc.option(value, { nil: undefined }),
        fc.option(value, { nil: undefined }),
        multiline,
        (id, event, data) => {
          const text = formatSseEvent({ id, event }, data);
          expect(fields(parseSseEvents(text))).toEqual([
            { id, event, data: data.replace(/\r\n|\r/g, '\n') },
          ]);
        },
      ),
    );
  });
});
