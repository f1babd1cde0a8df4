import { McpExchange } from '../mcp/mcp-exchange';
import type { AggregateSession } from './aggregate-session.store';

/**
 * One request to `/mcp`: the transparent route's exchange (so its generic steps run unchanged),
 * with the aggregate session instead of a one-upstream binding. `upstream` stays unset: an
 * aggregate request has no single upstream.
 */
export class AggregateExchange extends McpExchange {
  aggregateSession?: AggregateSession;
}
