/**
 * The aggregate bench's upstream: node:http answering `initialize` and a `tools/list` of 20 tools
 * (no session, JSON only), so a run measures the gateway's fan-out and merge, not the upstream.
 * Listens on 127.0.0.1:0 and prints `{"listening":<port>}` on stdout.
 */
import { createServer } from 'node:http';

const JSON_HEADERS = { 'content-type': 'application/json' };
const TOOLS = Array.from({ length: 20 }, (_, i) => ({
  name: `tool_${i}`,
  description: `bench tool ${i}`,
  inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
}));

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let message: { id?: unknown; method?: unknown; params?: { protocolVersion?: unknown } };
    try {
      message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof message;
    } catch {
      res.writeHead(400, JSON_HEADERS).end();
      return;
    }
    if (message.id === undefined) {
      res.writeHead(202).end();
      return;
    }
    const result =
      message.method === 'initialize'
        ? {
            protocolVersion: message.params?.protocolVersion ?? '2025-11-25',
            capabilities: { tools: {} },
            serverInfo: { name: 'aggregate-bench-upstream', version: '1' },
          }
        : message.method === 'tools/list'
          ? { tools: TOOLS }
          : {};
    res
      .writeHead(200, JSON_HEADERS)
      .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ listening: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => process.exit(0));
