// Tools for the gateway's own tests and the demo: echo, whoami_headers (what reached the upstream,
// so a test can assert the client's token did not), slow (a call to abort mid-flight), and
// forecast, whose `region` argument is mirrored in an Mcp-Param-Region header (SEP-2243
// x-mcp-header), the path the gateway must forward and check.
import { fromJsonSchema, type McpServer, type ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';

/** Longest wait `slow` accepts, so a typo cannot hang a test run. */
const SLOW_MAX_MS = 60_000;

const FORECAST_INPUT = {
  type: 'object',
  properties: {
    region: { type: 'string', description: 'Region code', 'x-mcp-header': 'Region' },
    days: { type: 'integer', minimum: 1, maximum: 7 },
  },
  required: ['region'],
};

function headersOf(ctx: ServerContext): Record<string, string> {
  const headers: Record<string, string> = {};
  ctx.http?.req?.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('cancelled'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function registerGatewayTools(server: McpServer): void {
  server.registerTool(
    'echo',
    {
      description: 'Returns its text unchanged',
      inputSchema: z.object({ text: z.string().describe('Text to echo') }),
    },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'whoami_headers',
    { description: 'Returns the HTTP request headers this call arrived with, as JSON' },
    (ctx) => {
      const headers = headersOf(ctx);
      return {
        content: [{ type: 'text', text: JSON.stringify(headers) }],
        structuredContent: { headers },
      };
    },
  );
  server.registerTool(
    'slow',
    {
      description: 'Waits `ms` milliseconds before answering; cancellable',
      inputSchema: z.object({ ms: z.number().int().min(0).max(SLOW_MAX_MS) }),
    },
    async ({ ms }, ctx) => {
      await waitOrAbort(ms, ctx.mcpReq.signal);
      return { content: [{ type: 'text', text: `waited ${ms} ms` }] };
    },
  );
  server.registerTool(
    'forecast',
    {
      description: 'A made-up forecast; `region` travels in the Mcp-Param-Region header too',
      inputSchema: fromJsonSchema<{ region: string; days?: number }>(FORECAST_INPUT),
    },
    ({ region, days }) => ({
      content: [{ type: 'text', text: `${region}: sunny for ${days ?? 1} day(s)` }],
    }),
  );
}
