// Multi-round-trip tools (SEP-2322, the input-required-result-* scenarios). Each returns
// inputRequired(...) until the retry carries the answers it asked for; written once, they serve
// both generations: a 2026-07-28 client fulfils the InputRequiredResult itself, and on a 2025
// session the SDK's legacy shim turns them into real server-to-client requests (elicitation/create,
// sampling/createMessage, roots/list over the request's SSE stream) and re-enters the handler.
import {
  inputRequired,
  inputResponse,
  type InputRequest,
  type McpServer,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { declaredCapabilities } from './client-capabilities';

/** What the fixture keeps in a signed requestState: the tool it belongs to and the round. */
export interface FixtureRequestState {
  tool: string;
  round: number;
  name?: string;
}

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

function askName(key: string, message = 'What is your name?'): Record<string, InputRequest> {
  return {
    [key]: inputRequired.elicit({
      message,
      requestedSchema: {
        type: 'object',
        properties: { name: { type: 'string' } },
        required: ['name'],
      },
    }),
  };
}

function acceptedString(ctx: ServerContext, key: string, field: string): string | undefined {
  const answer = inputResponse(ctx.mcpReq.inputResponses, key);
  if (answer.kind !== 'elicit' || answer.action !== 'accept') {
    return undefined;
  }
  const value = answer.content?.[field];
  return typeof value === 'string' ? value : undefined;
}

function samplingText(ctx: ServerContext, key: string): string | undefined {
  const answer = inputResponse(ctx.mcpReq.inputResponses, key);
  if (answer.kind !== 'sampling') {
    return undefined;
  }
  const content = answer.result.content;
  const first = Array.isArray(content) ? content[0] : content;
  return first?.type === 'text' ? first.text : '(non-text sampling answer)';
}

function rootUris(ctx: ServerContext, key: string): string[] | undefined {
  const answer = inputResponse(ctx.mcpReq.inputResponses, key);
  return answer.kind === 'roots' ? answer.roots.map((root) => root.uri) : undefined;
}

/** The verified requestState of this round, when it belongs to `tool`. */
function stateOf(ctx: ServerContext, tool: string): FixtureRequestState | undefined {
  const state = ctx.mcpReq.requestState<FixtureRequestState>();
  return state?.tool === tool ? state : undefined;
}

const confirmRequest: Record<string, InputRequest> = {
  confirm: inputRequired.elicit({
    message: 'Please confirm',
    requestedSchema: {
      type: 'object',
      properties: { ok: { type: 'boolean' } },
      required: ['ok'],
    },
  }),
};

export function registerInputRequiredTools(
  server: McpServer,
  codec: RequestStateCodec<FixtureRequestState>,
): void {
  server.registerTool(
    'test_input_required_result_elicitation',
    { description: 'Asks for a name by elicitation, then greets (SEP-2322)' },
    (ctx) => {
      const name = acceptedString(ctx, 'user_name', 'name');
      return name === undefined
        ? inputRequired({ inputRequests: askName('user_name') })
        : text(`Hello, ${name}!`);
    },
  );
  server.registerTool(
    'test_input_required_result_sampling',
    { description: 'Asks the client to sample an answer, then returns it (SEP-2322)' },
    (ctx) => {
      const answer = samplingText(ctx, 'capital_question');
      if (answer !== undefined) {
        return text(`Sampling answer: ${answer}`);
      }
      return inputRequired({
        inputRequests: {
          capital_question: inputRequired.createMessage({
            messages: [
              { role: 'user', content: { type: 'text', text: 'What is the capital of France?' } },
            ],
            maxTokens: 100,
          }),
        },
      });
    },
  );
  server.registerTool(
    'test_input_required_result_list_roots',
    { description: "Asks for the client's roots, then lists them (SEP-2322)" },
    (ctx) => {
      const roots = rootUris(ctx, 'client_roots');
      return roots === undefined
        ? inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } })
        : text(`Client roots: ${roots.join(', ') || '(none)'}`);
    },
  );
  for (const tool of [
    'test_input_required_result_request_state',
    'test_input_required_result_tampered_state',
  ]) {
    server.registerTool(
      tool,
      { description: 'Asks for confirmation with a signed requestState (SEP-2322)' },
      async (ctx) => {
        if (
          stateOf(ctx, tool) !== undefined &&
          inputResponse(ctx.mcpReq.inputResponses, 'confirm').kind === 'elicit'
        ) {
          return text('Confirmed; state-ok');
        }
        return inputRequired({
          inputRequests: confirmRequest,
          requestState: await codec.mint({ tool, round: 1 }),
        });
      },
    );
  }
  server.registerTool(
    'test_input_required_result_multiple_inputs',
    { description: 'Asks for an elicitation, a sampling and the roots at once (SEP-2322)' },
    async (ctx) => {
      const tool = 'test_input_required_result_multiple_inputs';
      const name = acceptedString(ctx, 'user_name', 'name');
      const greeting = samplingText(ctx, 'greeting');
      const roots = rootUris(ctx, 'client_roots');
      if (
        stateOf(ctx, tool) !== undefined &&
        name !== undefined &&
        greeting !== undefined &&
        roots !== undefined
      ) {
        return text(`${greeting} ${name} (roots: ${roots.join(', ')})`);
      }
      return inputRequired({
        inputRequests: {
          ...askName('user_name'),
          greeting: inputRequired.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
            maxTokens: 50,
          }),
          client_roots: inputRequired.listRoots(),
        },
        requestState: await codec.mint({ tool, round: 1 }),
      });
    },
  );
  server.registerTool(
    'test_input_required_result_multi_round',
    { description: 'Asks for a name, then a colour, each round with new state (SEP-2322)' },
    async (ctx) => {
      const tool = 'test_input_required_result_multi_round';
      const state = stateOf(ctx, tool);
      if (state?.round === 1) {
        const name = acceptedString(ctx, 'step1', 'name');
        if (name !== undefined) {
          return inputRequired({
            inputRequests: {
              step2: inputRequired.elicit({
                message: 'Step 2: What is your favorite color?',
                requestedSchema: {
                  type: 'object',
                  properties: { color: { type: 'string' } },
                  required: ['color'],
                },
              }),
            },
            requestState: await codec.mint({ tool, round: 2, name }),
          });
        }
      }
      if (state?.round === 2) {
        const color = acceptedString(ctx, 'step2', 'color');
        if (color !== undefined) {
          return text(`${state.name ?? 'someone'} likes ${color}`);
        }
      }
      return inputRequired({
        inputRequests: askName('step1', 'Step 1: What is your name?'),
        requestState: await codec.mint({ tool, round: 1 }),
      });
    },
  );
  server.registerTool(
    'test_input_required_result_capabilities',
    { description: 'Asks only for what the request declared it can answer (SEP-2322)' },
    (ctx) => {
      const declared = declaredCapabilities(ctx, server);
      const inputRequests: Record<string, InputRequest> = {};
      if (declared.elicitation !== undefined) {
        Object.assign(inputRequests, askName('user_name'));
      }
      if (declared.sampling !== undefined) {
        inputRequests.greeting = inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }],
          maxTokens: 20,
        });
      }
      if (
        Object.keys(inputRequests).length === 0 ||
        Object.keys(inputRequests).every(
          (key) => inputResponse(ctx.mcpReq.inputResponses, key).kind !== 'missing',
        )
      ) {
        return text('Nothing left to ask for');
      }
      return inputRequired({ inputRequests });
    },
  );
}
