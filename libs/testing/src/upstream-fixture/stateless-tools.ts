// Diagnostic tools the server-stateless scenario (SEP-2575) probes on the 2026-07-28 wire: a tool
// that needs an undeclared capability (-32021), one that streams before asking for input, one that
// logs (and must stay silent without a requested log level), and hooks that change the tool and
// prompt lists so subscriptions/listen streams have something to announce.
import {
  inputRequired,
  inputResponse,
  type McpServer,
  type ServerNotifier,
} from '@modelcontextprotocol/server';

export function registerStatelessTools(server: McpServer, notifier: () => ServerNotifier): void {
  server.registerTool(
    'test_missing_capability',
    { description: 'Asks the client to sample; -32021 when the request did not declare sampling' },
    (ctx) => {
      if (inputResponse(ctx.mcpReq.inputResponses, 'sample').kind === 'sampling') {
        return { content: [{ type: 'text', text: 'sampling answered' }] };
      }
      // McpServer turns a thrown error into an isError result; the -32021 comes from the SDK's
      // own check of an input request against the request's declared capabilities.
      return inputRequired({
        inputRequests: {
          sample: inputRequired.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: 'Say something' } }],
            maxTokens: 20,
          }),
        },
      });
    },
  );
  server.registerTool(
    'test_streaming_elicitation',
    { description: 'Reports progress, then asks for input by InputRequiredResult' },
    async (ctx) => {
      if (inputResponse(ctx.mcpReq.inputResponses, 'answer').kind === 'elicit') {
        return { content: [{ type: 'text', text: 'answer received' }] };
      }
      const progressToken = ctx.mcpReq._meta?.progressToken;
      if (progressToken !== undefined) {
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken, progress: 1, total: 2 },
        });
      }
      return inputRequired({
        inputRequests: {
          answer: inputRequired.elicit({
            message: 'Anything to add?',
            requestedSchema: { type: 'object', properties: { note: { type: 'string' } } },
          }),
        },
      });
    },
  );
  server.registerTool(
    'test_logging_tool',
    { description: 'Logs at info level; silent unless the request asked for a log level' },
    async (ctx) => {
      await ctx.mcpReq.log('info', 'test_logging_tool ran');
      return { content: [{ type: 'text', text: 'logged' }] };
    },
  );
  server.registerTool(
    'test_trigger_tool_change',
    { description: 'Announces a tools/list change to open subscription streams' },
    () => {
      notifier().toolsChanged();
      return { content: [{ type: 'text', text: 'tools changed' }] };
    },
  );
  server.registerTool(
    'test_trigger_prompt_change',
    { description: 'Announces a prompts/list change to open subscription streams' },
    () => {
      notifier().promptsChanged();
      return { content: [{ type: 'text', text: 'prompts changed' }] };
    },
  );
}
