/**
 * The one workload every variant serves: a ~1 KB `tools/call` POST with the 2025-11-25 headers,
 * and the `initialize` a client sends first. Built once, so every run sends the same bytes.
 */

export const PROTOCOL_VERSION = '2025-11-25';
export const TOOL_NAME = 'echo';
const TARGET_BODY_BYTES = 1024;

/** The headers of the 2025-11-25 generation (Streamable HTTP), without credentials. */
export const MCP_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  'MCP-Protocol-Version': PROTOCOL_VERSION,
};

function padTo(bytes: number, build: (padding: string) => string): string {
  const bare = build('');
  return build('x'.repeat(Math.max(0, bytes - Buffer.byteLength(bare))));
}

/** A `tools/call` of exactly TARGET_BODY_BYTES bytes (the padding argument fills it up). */
export const TOOLS_CALL_BODY = padTo(TARGET_BODY_BYTES, (padding) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: TOOL_NAME, arguments: { text: 'benchmark payload', padding } },
  }),
);

export const INITIALIZE_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'mcpgw-bench', version: '1.0.0' },
  },
});

export const INITIALIZED_NOTIFICATION = JSON.stringify({
  jsonrpc: '2.0',
  method: 'notifications/initialized',
});

/** The `tools/call` result the upstream returns, padded to about 1 KB on the wire. */
export function toolResult(id: unknown): string {
  return padTo(TARGET_BODY_BYTES, (padding) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      result: { content: [{ type: 'text', text: `ok ${padding}` }], isError: false },
    }),
  );
}

export function initializeResult(id: unknown): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    result: {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: { tools: { listChanged: false } },
      serverInfo: { name: 'bench-upstream', version: '1.0.0' },
    },
  });
}
