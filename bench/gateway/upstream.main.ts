/**
 * The upstream MCP server of every variant: node:http answering a fixed ~1 KB JSON-RPC result
 * (an `initialize` result for `initialize`), stateless, no session. Kept this cheap so the proxy
 * in front of it, not the upstream, is what a run measures. Listens on 127.0.0.1:0 and prints
 * `{"listening":<port>}` on stdout.
 */
import { createServer } from 'node:http';
import { initializeResult, toolResult } from './workload';

const JSON_HEADERS = { 'content-type': 'application/json' };
// The workload always sends id 1; answers for it are built once.
const cachedToolResult = toolResult(1);

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let message: { id?: unknown; method?: unknown };
    try {
      message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof message;
    } catch {
      res
        .writeHead(400, JSON_HEADERS)
        .end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
      return;
    }
    if (message.id === undefined) {
      res.writeHead(202).end();
    } else if (message.method === 'initialize') {
      res.writeHead(200, JSON_HEADERS).end(initializeResult(message.id));
    } else {
      res
        .writeHead(200, JSON_HEADERS)
        .end(message.id === 1 ? cachedToolResult : toolResult(message.id));
    }
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
