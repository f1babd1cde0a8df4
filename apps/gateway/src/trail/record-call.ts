import type { GatewayError, GatewayErrorCode } from '../http/gateway-error';
import type { McpExchange } from '../mcp/mcp-exchange';
import type { CallDecision } from './call-record';
import type { CallTrail } from './call-trail';

/**
 * Issue 9 §4: every `tools/call` through `/mcp/{upstream}` or `/mcp` leaves one record when the request
 * ends, whatever ended it (allowed, refused, auth required, upstream failure). Other methods leave
 * none. Called from the controller's `finally`; never throws.
 */
export function recordCall(
  trail: CallTrail,
  exchange: McpExchange,
  error: GatewayError | undefined,
  startedAt: number,
  latencyMs: number,
): void {
  const tool = exchange.upstreamToolName ?? exchange.toolName;
  if (tool === undefined) {
    return;
  }
  const principal = exchange.principal;
  const resolution = exchange.resolution;
  const credential = exchange.trailCredential;
  trail.record({
    occurredAt: new Date(startedAt),
    principal: principal?.subject ?? 'anonymous',
    clientId: principal?.clientId ?? principal?.apiKey?.name ?? null,
    upstream: exchange.upstream?.name ?? exchange.routeName,
    tool,
    policyId: resolution?.policy?.id ?? null,
    policySetVersion: resolution?.policy_set_version ?? null,
    decision: decisionOf(exchange, error),
    credentialKind: credential?.kind ?? null,
    credentialId: credential?.id ?? null,
    credentialGeneration: credential?.generation ?? null,
    upstreamStatus: exchange.upstreamStatus ?? null,
    latencyMs,
    correlationId: String(exchange.request.id),
  });
}

function decisionOf(exchange: McpExchange, error: GatewayError | undefined): CallDecision {
  if (error === undefined) {
    return (exchange.upstreamStatus ?? 200) >= 500 ? 'upstream_error' : 'allow';
  }
  return DECISION_OF[error.code] ?? 'error';
}

/** Refusals the trail names; any other code ends a call as `error`. */
const DECISION_OF: Partial<Record<GatewayErrorCode, CallDecision>> = {
  policy_denied: 'deny',
  auth_required: 'auth_required',
  credential_unavailable: 'unavailable',
  broker_unavailable: 'unavailable',
  upstream_unavailable: 'upstream_error',
};
