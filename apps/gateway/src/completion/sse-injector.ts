import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { SseParser } from '@app/mcp-protocol';
import type { SessionStreams } from '../sessions/session-streams';

/**
 * Issue 9 §2: relays an upstream SSE stream unchanged and lets the gateway write its own events
 * into it — only between upstream events, never inside one. Upstream bytes are passed on block by
 * block as each block completes (an incomplete block is held until its blank line: a client can
 * act on nothing before that anyway). The gateway's events carry no `id`, so they never move the
 * client's `Last-Event-ID` on the upstream's stream.
 */
export class SseInjector extends Transform {
  private readonly parser = new SseParser();
  private readonly decoder = new StringDecoder('utf8');

  /** Registers this stream for the session; returns detach (call it when the stream ends). */
  attachTo(streams: SessionStreams, sessionKey: string): () => void {
    return streams.attach(sessionKey, (message) => this.inject(message));
  }

  /** Writes one JSON-RPC message as an SSE event at the current event boundary. */
  inject(message: unknown): void {
    if (!this.writableEnded && !this.destroyed) {
      this.push(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    }
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null, data?: string) => void,
  ): void {
    const out = this.parser
      .push(this.decoder.write(chunk))
      .map((event) => event.raw)
      .join('');
    done(null, out === '' ? undefined : out);
  }

  override _flush(done: (error?: Error | null, data?: string) => void): void {
    const rest =
      this.parser
        .push(this.decoder.end())
        .map((event) => event.raw)
        .join('') + this.parser.rest();
    done(null, rest === '' ? undefined : rest);
  }
}
