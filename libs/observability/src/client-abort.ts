import type { IncomingMessage } from 'node:http';

// Errors raised by a request's own stream because its client went away (socket closed mid-body).
// Kept by identity, so an `ECONNRESET` from anything else (an outgoing call) is still an error.
const clientAborts = new WeakSet<object>();

/**
 * Remembers the error a request stream emits when its client disconnects before the body is
 * read (Node: `Error: aborted`, code `ECONNRESET`). Fastify's body parser hands that error to
 * Nest, whose ExceptionsHandler would log it as a server error: it is the client's doing.
 */
export function watchForClientAbort(request: IncomingMessage): void {
  // A listener only observes: Node emits a request's 'error' to listeners, none are required.
  request.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ECONNRESET') {
      clientAborts.add(error);
    }
  });
}

/** True for an error recorded by {@link watchForClientAbort}. */
export function isClientAbort(value: unknown): boolean {
  return typeof value === 'object' && value !== null && clientAborts.has(value);
}
