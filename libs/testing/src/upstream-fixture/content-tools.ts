// The conformance suite's content and streaming tools (names and payloads are what its `server`
// scenarios call and check: tools-call-*, tools-call-with-logging/-progress, server-sse-polling,
// json-schema-2020-12). test_simple_text is registered first on purpose: the header-validation
// scenario calls the first listed tool with empty arguments.
import { fromJsonSchema, type McpServer } from '@modelcontextprotocol/server';
import { FIXTURE_PNG_BASE64, FIXTURE_WAV_BASE64 } from './fixture-media';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const JSON_SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

// Keywords SEP-1613/SEP-2106 say must survive tools/list untouched; a zod schema would lose them.
const SCHEMA_2020_12_INPUT = {
  $schema: JSON_SCHEMA_2020_12,
  type: 'object',
  $defs: {
    address: {
      $anchor: 'postalAddress',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    kind: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['name'] }, { required: ['address'] }] }],
  if: { properties: { kind: { const: 'company' } } },
  then: { properties: { name: { minLength: 2 } } },
  else: { properties: { name: { minLength: 1 } } },
  additionalProperties: false,
};

export function registerContentTools(server: McpServer): void {
  server.registerTool(
    'test_simple_text',
    { description: 'Returns one text block (tools-call-simple-text)' },
    () => ({ content: [{ type: 'text', text: 'This is a simple text response for testing.' }] }),
  );
  server.registerTool(
    'test_image_content',
    { description: 'Returns one PNG image block (tools-call-image)' },
    () => ({ content: [{ type: 'image', data: FIXTURE_PNG_BASE64, mimeType: 'image/png' }] }),
  );
  server.registerTool(
    'test_audio_content',
    { description: 'Returns one WAV audio block (tools-call-audio)' },
    () => ({ content: [{ type: 'audio', data: FIXTURE_WAV_BASE64, mimeType: 'audio/wav' }] }),
  );
  server.registerTool(
    'test_embedded_resource',
    { description: 'Returns one embedded text resource (tools-call-embedded-resource)' },
    () => ({
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    }),
  );
  server.registerTool(
    'test_multiple_content_types',
    { description: 'Returns text, image and resource blocks (tools-call-mixed-content)' },
    () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: FIXTURE_PNG_BASE64, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    }),
  );
  server.registerTool(
    'test_tool_with_logging',
    { description: 'Sends three info log messages while it runs (tools-call-with-logging)' },
    async (ctx) => {
      await ctx.mcpReq.log('info', 'Tool execution started');
      await pause(50);
      await ctx.mcpReq.log('info', 'Tool processing data');
      await pause(50);
      await ctx.mcpReq.log('info', 'Tool execution completed');
      return { content: [{ type: 'text', text: 'Tool with logging executed successfully' }] };
    },
  );
  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50 and 100 of 100 (tools-call-with-progress)' },
    async (ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progressToken !== undefined) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress, total: 100, message: `step ${progress} of 100` },
          });
        }
        if (progress < 100) {
          await pause(50);
        }
      }
      return { content: [{ type: 'text', text: String(progressToken ?? 'no progress token') }] };
    },
  );
  server.registerTool(
    'test_error_handling',
    { description: 'Always fails; the SDK turns the throw into isError (tools-call-error)' },
    () => {
      throw new Error('This tool intentionally returns an error for testing');
    },
  );
  server.registerTool(
    'test_reconnection',
    {
      description:
        'Closes its SSE stream mid-call and answers after the client reconnects (SEP-1699)',
    },
    async (ctx) => {
      ctx.http?.closeSSE?.();
      await pause(100);
      return { content: [{ type: 'text', text: 'Reconnection test completed successfully.' }] };
    },
  );
  server.registerTool(
    'json_schema_2020_12_tool',
    {
      description: 'Input schema with JSON Schema 2020-12 keywords (SEP-1613, SEP-2106)',
      inputSchema: fromJsonSchema<Record<string, unknown>>(SCHEMA_2020_12_INPUT),
    },
    (args) => ({ content: [{ type: 'text', text: `called with ${JSON.stringify(args)}` }] }),
  );
}
