/**
 * Variant (c), the Node ceiling: node:http in, an undici Pool out. Reads the body, forwards the
 * same bytes to the upstream, streams the answer back; no auth, no policy, no parsing. Anything
 * the gateway costs above this is the price of what it does. Argument: the upstream MCP URL.
 * Prints `{"listening":<port>}` on stdout.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { upstreamRequestHeaders } from './forwarded-headers';
import { relayAnswer } from './relay-answer';

const upstream = new URL(process.argv[2] ?? '');
const pool = new Pool(upstream.origin);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    pool
      .request({
        method: 'POST',
        path: upstream.pathname,
        headers: { ...upstreamRequestHeaders(req.headers), 'content-length': String(body.length) },
        body,
      })
      .then((answer) => relayAnswer(answer, res))
      .catch(() => {
        if (!res.headersSent) {
          res.writeHead(502).end();
        } else {
          res.destroy();
        }
      });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ listening: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
// Nothing to flush or hand over: a bench child just stops (kept-alive sockets would delay close()).
process.on('SIGTERM', () => process.exit(0));
