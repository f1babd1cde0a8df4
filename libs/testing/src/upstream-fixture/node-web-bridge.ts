// node:http ⇄ web-standard Request/Response for the SDK v2 handlers, which only speak fetch.
// @modelcontextprotocol/node would do this too, but it is not a dependency; the fixture needs
// little: every header as sent (duplicates kept), the body, an abort signal tied to the client's
// connection, and response bodies written chunk by chunk so SSE frames leave as they are made.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reads the whole request body (fixture requests are small JSON-RPC messages). */
export async function readNodeBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A web Request carrying the node request's method, URL, raw headers and body. */
export function toWebRequest(
  req: IncomingMessage,
  body: Buffer,
  origin: string,
  signal: AbortSignal,
): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD' && body.length > 0;
  return new Request(new URL(req.url ?? '/', origin), {
    method,
    headers,
    body: hasBody ? body : undefined,
    signal,
  });
}

/**
 * Writes a web Response to the node response, streaming its body; stops reading when the client
 * goes away so an SSE stream does not outlive its connection.
 */
export async function writeWebResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const setCookies = response.headers.getSetCookie();
  if (setCookies.length > 0) {
    headers['set-cookie'] = setCookies;
  }
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  // Headers first: a GET stream may stay silent for a long time before its first event.
  res.flushHeaders();
  const reader = response.body.getReader();
  const onClose = (): void => {
    reader.cancel().catch(() => undefined);
  };
  res.once('close', onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      res.write(value);
    }
  } catch {
    // The stream was cancelled (client gone) or the handler aborted it; nothing left to send.
  } finally {
    res.off('close', onClose);
    res.end();
  }
}
