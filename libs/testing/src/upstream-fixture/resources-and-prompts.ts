// Resources and prompts: those the conformance scenarios read (resources-*, prompts-*,
// completion-complete, input-required-result-non-tool-request) plus `fixture://about` and the
// `greeting` prompt for the gateway's own tests.
import {
  completable,
  inputRequired,
  inputResponse,
  ResourceTemplate,
  type McpServer,
  type McpRequestContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { FIXTURE_PNG_BASE64 } from './fixture-media';

const userText = (text: string) => ({
  role: 'user' as const,
  content: { type: 'text' as const, text },
});

export function registerResources(server: McpServer, era: McpRequestContext['era']): void {
  server.registerResource(
    'static-text',
    'test://static-text',
    { description: 'A static text resource', mimeType: 'text/plain' },
    (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'text/plain',
          text: 'This is the content of the static text resource.',
        },
      ],
    }),
  );
  server.registerResource(
    'static-binary',
    'test://static-binary',
    { description: 'A static binary resource (a PNG)', mimeType: 'image/png' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: FIXTURE_PNG_BASE64 }] }),
  );
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'A templated resource; {id} is substituted', mimeType: 'application/json' },
    (uri, { id }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }),
        },
      ],
    }),
  );
  server.registerResource(
    'watched-resource',
    'test://watched-resource',
    { description: 'A resource clients may subscribe to', mimeType: 'text/plain' },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Watched resource content' }],
    }),
  );
  server.registerResource(
    'about',
    'fixture://about',
    {
      description: 'What this upstream is',
      mimeType: 'text/plain',
      cacheHint: { ttlMs: 60_000, cacheScope: 'public' },
    },
    (uri) => ({
      contents: [
        { uri: uri.href, mimeType: 'text/plain', text: 'mcp-auth-gateway upstream test fixture' },
      ],
    }),
  );
  // resources/subscribe is a 2025-era method; on 2026-07-28 subscriptions ride subscriptions/listen
  // and the method must answer -32601, so the handlers exist on legacy instances only.
  if (era === 'legacy') {
    server.server.setRequestHandler('resources/subscribe', () => ({}));
    server.server.setRequestHandler('resources/unsubscribe', () => ({}));
  }
}

export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'test_simple_prompt',
    { description: 'A prompt without arguments' },
    () => ({ messages: [userText('This is a simple prompt for testing.')] }),
  );
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      description: 'A prompt with two required arguments',
      argsSchema: z.object({
        arg1: completable(z.string().describe('First test argument'), (value) =>
          ['paris', 'park', 'party'].filter((word) => word.startsWith(value)),
        ),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    ({ arg1, arg2 }) => ({
      messages: [userText(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`)],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      description: 'A prompt embedding the resource it is given',
      argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
    },
    ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: {
              uri: resourceUri,
              mimeType: 'text/plain',
              text: 'Embedded resource content for testing.',
            },
          },
        },
        userText('Please process the embedded resource above.'),
      ],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_image',
    { description: 'A prompt with an image' },
    () => ({
      messages: [
        {
          role: 'user',
          content: { type: 'image', data: FIXTURE_PNG_BASE64, mimeType: 'image/png' },
        },
        userText('Please analyze the image above.'),
      ],
    }),
  );
  server.registerPrompt(
    'test_input_required_result_prompt',
    { description: 'A prompt that first asks for context by elicitation (SEP-2322)' },
    (ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'user_context');
      if (answer.kind === 'elicit' && answer.action === 'accept') {
        return {
          messages: [userText(`Use this context: ${String(answer.content?.context ?? '')}`)],
        };
      }
      return inputRequired({
        inputRequests: {
          user_context: inputRequired.elicit({
            message: 'What context should the prompt use?',
            requestedSchema: {
              type: 'object',
              properties: { context: { type: 'string' } },
              required: ['context'],
            },
          }),
        },
      });
    },
  );
  server.registerPrompt(
    'greeting',
    {
      description: 'Greets someone by name',
      argsSchema: z.object({ name: z.string().describe('Who to greet') }),
    },
    ({ name }) => ({ messages: [userText(`Say hello to ${name}.`)] }),
  );
}
