// One McpServer definition for both protocol generations: createMcpHandler builds an instance per
// 2026-07-28 request, the legacy session registry one per 2025-era session.
import { randomBytes } from 'node:crypto';
import {
  createRequestStateCodec,
  McpServer,
  type McpServerFactory,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import { registerClientRequestTools } from './client-request-tools';
import { registerContentTools } from './content-tools';
import { registerGatewayTools } from './gateway-tools';
import { registerInputRequiredTools, type FixtureRequestState } from './input-required-tools';
import { registerPrompts, registerResources } from './resources-and-prompts';
import { registerStatelessTools } from './stateless-tools';

export const FIXTURE_SERVER_INFO = { name: 'mcpgw-upstream-fixture', version: '1.0.0' };

const LIST_CACHE_HINT = { ttlMs: 30_000, cacheScope: 'public' } as const;

export function createFixtureServerFactory(notifier: () => ServerNotifier): McpServerFactory {
  // One process serves every round of a flow, so a per-fixture random key is enough; signing
  // makes a tampered requestState fail with -32602 before any handler runs.
  const codec = createRequestStateCodec<FixtureRequestState>({ key: randomBytes(32) });
  return ({ era }) => {
    const server = new McpServer(FIXTURE_SERVER_INFO, {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
      cacheHints: {
        'tools/list': LIST_CACHE_HINT,
        'prompts/list': LIST_CACHE_HINT,
        'resources/list': LIST_CACHE_HINT,
        'resources/templates/list': LIST_CACHE_HINT,
      },
      requestState: { verify: (state, ctx) => codec.verify(state, ctx) },
    });
    registerContentTools(server);
    registerClientRequestTools(server);
    registerInputRequiredTools(server, codec);
    registerStatelessTools(server, notifier);
    registerGatewayTools(server);
    registerResources(server, era);
    registerPrompts(server);
    return server;
  };
}
