// 2025-era server-to-client requests pushed mid-call over the request's SSE stream
// (tools-call-sampling, tools-call-elicitation, elicitation-sep1034-defaults,
// elicitation-sep1330-enums). The SDK refuses these pushes on a 2026-07-28 request; the tools then
// answer with an isError result naming why, which is what that generation should see.
import type {
  ElicitRequestFormParams,
  McpServer,
  ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';

type FormSchema = ElicitRequestFormParams['requestedSchema'];

const SEP1034_DEFAULTS: FormSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'User name', default: 'John Doe' },
    age: { type: 'integer', description: 'User age', default: 30 },
    score: { type: 'number', description: 'User score', default: 95.5 },
    status: {
      type: 'string',
      description: 'User status',
      enum: ['active', 'inactive', 'pending'],
      default: 'active',
    },
    verified: { type: 'boolean', description: 'Verification status', default: true },
  },
  required: [],
};

const SEP1330_ENUMS: FormSchema = {
  type: 'object',
  properties: {
    untitledSingle: {
      type: 'string',
      description: 'Pick one',
      enum: ['option1', 'option2', 'option3'],
    },
    titledSingle: {
      type: 'string',
      description: 'Pick one (titled)',
      oneOf: [
        { const: 'value1', title: 'First Option' },
        { const: 'value2', title: 'Second Option' },
        { const: 'value3', title: 'Third Option' },
      ],
    },
    legacyEnum: {
      type: 'string',
      description: 'Pick one (legacy enumNames)',
      enum: ['opt1', 'opt2', 'opt3'],
      enumNames: ['Option One', 'Option Two', 'Option Three'],
    },
    untitledMulti: {
      type: 'array',
      description: 'Pick several',
      minItems: 1,
      maxItems: 3,
      items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
    },
    titledMulti: {
      type: 'array',
      description: 'Pick several (titled)',
      minItems: 1,
      maxItems: 3,
      items: {
        anyOf: [
          { const: 'value1', title: 'First Choice' },
          { const: 'value2', title: 'Second Choice' },
          { const: 'value3', title: 'Third Choice' },
        ],
      },
    },
  },
  required: [],
};

const failure = (error: unknown) => ({
  isError: true,
  content: [
    {
      type: 'text' as const,
      text: `client request failed: ${error instanceof Error ? error.message : String(error)}`,
    },
  ],
});

async function elicitForm(
  ctx: ServerContext,
  message: string,
  requestedSchema: FormSchema,
  label: string,
) {
  try {
    const result = await ctx.mcpReq.elicitInput({ mode: 'form', message, requestedSchema });
    return {
      content: [
        {
          type: 'text' as const,
          text: `${label}: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
        },
      ],
    };
  } catch (error) {
    return failure(error);
  }
}

export function registerClientRequestTools(server: McpServer): void {
  server.registerTool(
    'test_sampling',
    {
      description: 'Asks the client to sample an LLM answer to the prompt (2025 push)',
      inputSchema: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }),
    },
    async ({ prompt }, ctx) => {
      try {
        const result = await ctx.mcpReq.requestSampling({
          messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
          maxTokens: 100,
        });
        const content = Array.isArray(result.content) ? result.content[0] : result.content;
        const answer = content?.type === 'text' ? content.text : '(non-text answer)';
        return { content: [{ type: 'text', text: `LLM response: ${answer}` }] };
      } catch (error) {
        return failure(error);
      }
    },
  );
  server.registerTool(
    'test_elicitation',
    {
      description: 'Asks the user for a response by form elicitation (2025 push)',
      inputSchema: z.object({ message: z.string().describe('The message to show the user') }),
    },
    ({ message }, ctx) =>
      elicitForm(
        ctx,
        message,
        {
          type: 'object',
          properties: {
            username: { type: 'string', description: "User's response" },
            email: { type: 'string', description: "User's email address" },
          },
          required: ['username', 'email'],
        },
        'User response',
      ),
  );
  server.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Elicitation whose fields all carry defaults (SEP-1034)' },
    (ctx) =>
      elicitForm(ctx, 'Please review the form fields', SEP1034_DEFAULTS, 'Elicitation completed'),
  );
  server.registerTool(
    'test_elicitation_sep1330_enums',
    { description: 'Elicitation with the five enum schema variants (SEP-1330)' },
    (ctx) => elicitForm(ctx, 'Please select options', SEP1330_ENUMS, 'Elicitation completed'),
  );
}
