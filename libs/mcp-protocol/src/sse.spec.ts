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

describe('formatSseEvent', () => {
  it('writes id, event and one data line per line of data, then the blank line', () => {
    expect(formatSseEvent({ id: '3', event: 'message' }, '{"a":1}\n{"b":2}')).toBe(
      'id: 3\nevent: message\ndata: {"a":1}\ndata: {"b":2}\n\n',
    );
    expect(formatSseEvent({ id: undefined, event: undefined }, 'x')).toBe('data: x\n\n');
  });

  it('reads back as the event it wrote', () => {
    const text = formatSseEvent({ id: '', event: 'e' }, ' lead\n\ntrail ');
    expect(fields(parseSseEvents(text))).toEqual([{ id: '', event: 'e', data: ' lead\n\ntrail ' }]);
  });
});
