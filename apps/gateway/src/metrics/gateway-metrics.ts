import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '@app/observability';

/** How a caller presented its credential (`none`: it presented none, or put it in the query). */
export type AuthScheme = 'bearer' | 'api_key' | 'none';

/** Why inbound authentication or its scope check failed: a closed set, never the error's text. */
export type AuthErrorType =
  | 'missing'
  | 'token_in_query'
  | 'malformed'
  | 'invalid_token'
  | 'expired'
  | 'unverifiable'
  | 'wrong_audience'
  | 'unknown_key'
  | 'insufficient_scope';

export type McpRoute = 'aggregate' | 'transparent';
export type UpstreamOutcome = 'ok' | 'error_status' | 'unreachable' | 'aborted';
export type PolicyOutcome = 'allowed' | 'denied' | 'default_denied';

/** JSON-RPC methods the request histogram names; any other method counts as `other`. */
const KNOWN_METHODS = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'server/discover',
  'subscriptions/listen',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
]);

/**
 * The label a request's MCP method is counted under: a known method as it is, a client's answer
 * to a server request `response`, a GET stream `stream`, a DELETE `delete`, a request refused
 * before its body was read `none`, anything else `other` (a method name is the client's text).
 */
export function methodLabel(httpMethod: string, mcpMethod: string | undefined): string {
  if (httpMethod === 'GET') {
    return 'stream';
  }
  if (httpMethod === 'DELETE') {
    return 'delete';
  }
  if (mcpMethod === undefined) {
    return 'none';
  }
  return mcpMethod === 'response' || KNOWN_METHODS.has(mcpMethod) ? mcpMethod : 'other';
}

const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/**
 * The gateway's Prometheus metrics, on the app's registry (served by the metrics listener only).
 * Every label value comes from a closed set or an operator-registered upstream name: never a
 * token, a key, a user or a client-chosen string (SPEC-MUST 34). The three `auth_*` names are the
 * seed's (reference/001_guide.md "Key Metrics"); the rest are `gateway_*`.
 */
@Injectable()
export class GatewayMetrics {
  private readonly authRequests: Counter<'scheme'>;
  private readonly authSuccesses: Counter<'scheme'>;
  private readonly authErrors: Counter<'type'>;
  private readonly requests: Histogram<'route' | 'mcp_method' | 'status_class'>;
  private readonly upstreamRequests: Counter<'upstream' | 'outcome'>;
  private readonly upstreamLatency: Histogram<'upstream'>;
  private readonly credentialCacheLookups: Counter<'result'>;
  private readonly policyDecisions: Counter<'outcome'>;
  private readonly rateLimited: Counter<'upstream'>;
  private readonly rateLimitErrors: Counter;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.authRequests = new Counter({
      name: 'auth_requests_total',
      help: 'Inbound authentication attempts on the MCP routes, by credential scheme.',
      labelNames: ['scheme'],
      registers,
    });
    this.authSuccesses = new Counter({
      name: 'auth_requests_success',
      help: 'Inbound authentications that succeeded (credential verified, audience matched).',
      labelNames: ['scheme'],
      registers,
    });
    this.authErrors = new Counter({
      name: 'auth_error_total',
      help: 'Inbound authentication and scope errors, by type.',
      labelNames: ['type'],
      registers,
    });
    this.requests = new Histogram({
      name: 'gateway_mcp_request_duration_seconds',
      help: 'MCP request duration until the answer ended, by route, MCP method and HTTP status class.',
      labelNames: ['route', 'mcp_method', 'status_class'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.upstreamRequests = new Counter({
      name: 'gateway_upstream_requests_total',
      help: 'Requests forwarded to an upstream, by upstream and outcome.',
      labelNames: ['upstream', 'outcome'],
      registers,
    });
    this.upstreamLatency = new Histogram({
      name: 'gateway_upstream_duration_seconds',
      help: "Time until an upstream's answer began (its status and headers), by upstream.",
      labelNames: ['upstream'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.credentialCacheLookups = new Counter({
      name: 'gateway_credential_cache_lookups_total',
      help: 'Credential cache lookups, by result (hit or miss).',
      labelNames: ['result'],
      registers,
    });
    this.policyDecisions = new Counter({
      name: 'gateway_policy_decisions_total',
      help: 'Policy decisions on governed methods (tools/call, resources, prompts, completions), by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused with 429 by the per-principal rate limit, by upstream.',
      labelNames: ['upstream'],
      registers,
    });
    this.rateLimitErrors = new Counter({
      name: 'gateway_rate_limit_errors_total',
      help: 'Rate-limit checks that could not run (Redis unavailable); those requests were let through.',
      registers,
    });
  }

  authRequest(scheme: AuthScheme): void {
    this.authRequests.inc({ scheme });
  }

  authSuccess(scheme: Exclude<AuthScheme, 'none'>): void {
    this.authSuccesses.inc({ scheme });
  }

  authError(type: AuthErrorType): void {
    this.authErrors.inc({ type });
  }

  /** One MCP request, from its arrival until its answer ended (a stream: until it closed). */
  request(route: McpRoute, mcpMethod: string, httpStatus: number, seconds: number): void {
    this.requests.observe(
      { route, mcp_method: mcpMethod, status_class: `${Math.floor(httpStatus / 100)}xx` },
      seconds,
    );
  }

  /** One forwarded request; `seconds` until the upstream answered (or failed). */
  upstream(upstream: string, outcome: UpstreamOutcome, seconds: number): void {
    this.upstreamRequests.inc({ upstream, outcome });
    if (outcome === 'ok' || outcome === 'error_status') {
      this.upstreamLatency.observe({ upstream }, seconds);
    }
  }

  credentialCache(hit: boolean): void {
    this.credentialCacheLookups.inc({ result: hit ? 'hit' : 'miss' });
  }

  policyDecision(outcome: PolicyOutcome): void {
    this.policyDecisions.inc({ outcome });
  }

  rateLimit(upstream: string): void {
    this.rateLimited.inc({ upstream });
  }

  rateLimitError(): void {
    this.rateLimitErrors.inc();
  }
}
