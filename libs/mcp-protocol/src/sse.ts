/** One Server-Sent Event block: its raw text (terminator included) and the fields we read. */
export interface SseEvent {
  raw: string;
  id: string | undefined;
  event: string | undefined;
  data: string | undefined;
}

function parseBlock(raw: string): SseEvent {
  let id: string | undefined;
  let event: string | undefined;
  const data: string[] = [];
  for (const line of raw.split(/\r\n|\r|\n/)) {
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
      id = value;
    } else if (field === 'event') {
      event = value;
    } else if (field === 'data') {
      data.push(value);
    }
  }
  return { raw, id, event, data: data.length > 0 ? data.join('\n') : undefined };
}

const BLOCK_END = /\r\n\r\n|\n\n|\r\r/;

/**
 * Splits a text/event-stream into event blocks as chunks arrive (WHATWG HTML §9.2), keeping each
 * block's raw text so blocks the gateway does not change are passed on byte for byte.
 */
export class SseParser {
  private buffer = '';

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const end = BLOCK_END.exec(this.buffer);
      if (end === null) {
        return events;
      }
      const stop = end.index + end[0].length;
      events.push(parseBlock(this.buffer.slice(0, stop)));
      this.buffer = this.buffer.slice(stop);
    }
  }

  /** Whatever is left when the stream ends (an unterminated block is passed on as it is). */
  rest(): string {
    const rest = this.buffer;
    this.buffer = '';
    return rest;
  }
}

export function parseSseEvents(text: string): SseEvent[] {
  return new SseParser().push(text);
}

/** An event block carrying `data` (one `data:` line per line of it), with its id and type kept. */
export function formatSseEvent(event: Pick<SseEvent, 'id' | 'event'>, data: string): string {
  const lines = [
    ...(event.id !== undefined ? [`id: ${event.id}`] : []),
    ...(event.event !== undefined ? [`event: ${event.event}`] : []),
    ...data.split('\n').map((line) => `data: ${line}`),
  ];
  return `${lines.join('\n')}\n\n`;
}
