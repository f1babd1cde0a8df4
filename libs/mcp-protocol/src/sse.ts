/** One Server-Sent Events block: its raw text (terminator included) and the fields we read. */
export interface SseEvent {
  raw: string;
  /** The block's own `id` field (its last one without U+0000), not the stream's last event id. */
  id: string | undefined;
  event: string | undefined;
  data: string | undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;

/** WHATWG HTML §9.2.6: the fields of one block; `opensStream` when a U+FEFF there is to be skipped. */
function parseBlock(raw: string, opensStream: boolean): SseEvent {
  let id: string | undefined;
  let event: string | undefined;
  const data: string[] = [];
  const text = opensStream && raw.charCodeAt(0) === BOM ? raw.slice(1) : raw;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) {
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'id') {
      if (!value.includes('\u0000')) {
        id = value;
      }
    } else if (field === 'event') {
      event = value;
    } else if (field === 'data') {
      data.push(value);
    }
  }
  return { raw, id, event, data: data.length > 0 ? data.join('\n') : undefined };
}

/**
 * Splits a text/event-stream into event blocks as chunks arrive (WHATWG HTML §9.2), keeping each
 * block's raw text so blocks the gateway does not change are passed on byte for byte.
 *
 * A block ends at a blank line, whatever ends each line (CRLF, LF or CR, mixed as they come). A block
 * ended by a CR is yielded at once rather than held for the next chunk; if that chunk opens with an
 * LF, the LF finished the CRLF and is carried at the front of the next block's raw text, so the raw
 * texts plus `rest()` are always the stream as it came. Each character is looked at once.
 */
export class SseParser {
  /** The stream since the last block yielded. */
  private buffer = '';
  /** How much of `buffer` has been looked at. */
  private scanned = 0;
  /** Where in `buffer` the line being read starts. */
  private lineStart = 0;
  /** The last character looked at was a CR ending a line: an LF next belongs to it. */
  private afterCr = false;
  /** No block yielded yet: the buffer starts where the stream does. */
  private atStreamStart = true;

  push(chunk: string): SseEvent[] {
    const text = this.buffer + chunk;
    const events: SseEvent[] = [];
    let blockStart = 0;
    let lineStart = this.lineStart;
    let i = this.scanned;
    // §9.2.6: one U+FEFF opening the stream is not part of its first line.
    if (this.atStreamStart && i === 0 && text.charCodeAt(0) === BOM) {
      lineStart = 1;
      i = 1;
    }
    for (; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      if (this.afterCr) {
        this.afterCr = false;
        if (code === LF) {
          lineStart = i + 1;
          continue;
        }
      }
      if (code !== LF && code !== CR) {
        continue;
      }
      const blank = i === lineStart;
      lineStart = i + 1;
      this.afterCr = code === CR;
      if (!blank) {
        continue;
      }
      let stop = i + 1;
      if (this.afterCr && text.charCodeAt(stop) === LF) {
        this.afterCr = false;
        stop += 1;
        i += 1;
        lineStart = stop;
      }
      events.push(parseBlock(text.slice(blockStart, stop), this.atStreamStart));
      this.atStreamStart = false;
      blockStart = stop;
    }
    this.buffer = text.slice(blockStart);
    this.scanned = text.length - blockStart;
    this.lineStart = lineStart - blockStart;
    return events;
  }

  /** Whatever is left when the stream ends (an unterminated block is passed on as it is). */
  rest(): string {
    const rest = this.buffer;
    this.buffer = '';
    this.scanned = 0;
    this.lineStart = 0;
    this.afterCr = false;
    this.atStreamStart = true;
    return rest;
  }
}

export function parseSseEvents(text: string): SseEvent[] {
  return new SseParser().push(text);
}

/**
 * An event block carrying `data` (one `data:` line per line of it, whatever ended the line), with
 * its id and type kept. An id or type that a line could not hold is misuse: written out, a line
 * break would forge fields or whole events, and an id with U+0000 would be dropped by the client.
 */
export function formatSseEvent(event: Pick<SseEvent, 'id' | 'event'>, data: string): string {
  if (event.id !== undefined && (/[\r\n]/.test(event.id) || event.id.includes('\u0000'))) {
    throw new TypeError('an SSE id cannot hold CR, LF or U+0000');
  }
  if (event.event !== undefined && /[\r\n]/.test(event.event)) {
    throw new TypeError('an SSE event type cannot hold CR or LF');
  }
  const lines = [
    ...(event.id !== undefined ? [`id: ${event.id}`] : []),
    ...(event.event !== undefined ? [`event: ${event.event}`] : []),
    ...data.split(/\r\n|\r|\n/).map((line) => `data: ${line}`),
  ];
  return `${lines.join('\n')}\n\n`;
}
