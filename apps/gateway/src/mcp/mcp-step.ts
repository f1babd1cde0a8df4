import type { McpExchange } from './mcp-exchange';

/** One rule of the pipeline. Throws a GatewayError to stop the request; returns to go on. */
export interface McpStep {
  run(exchange: McpExchange): void | Promise<void>;
}
