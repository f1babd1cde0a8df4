import { Injectable } from '@nestjs/common';
import type { TrailCredential } from '@app/gateway-contract';
import type { InboundMessage } from '@app/mcp-protocol';
import type { Resolution } from '@app/policy-engine';
import type { UpstreamView } from '@app/upstream-cache';
import { GatewayError } from '../http/gateway-error';
import { McpExchange } from '../mcp/mcp-exchange';
import { PrincipalRateLimiter } from '../rate-limit/principal-rate-limiter';
import { routeSessionKey } from '../sessions/session-streams';
import { AGGREGATE_ROUTE } from './aggregate-names';
import { ObtainCredentialStep } from '../mcp/steps/obtain-credential.step';
import { ResolvePolicyStep } from '../mcp/steps/resolve-policy.step';
import type { AggregateExchange } from './aggregate-exchange';

export interface UpstreamGrant {
  resolution: Resolution;
  /** The credential headers for the upstream (empty when none). */
  injected: Record<string, string>;
  /** Which credential `injected` holds (a connection's generation: reactive-refresh.ts). */
  credential: TrailCredential | null;
}

/**
 * DESIGN "Policies" on `/mcp`, decided exactly as on the transparent route: the same two steps run
 * on a per-upstream view of the request (the upstream, the principal and the message as that
 * upstream will see it, its own tool name). So `tools/call` is decided by `<upstream>.<tool>`,
 * everything else by `<upstream>._server`, with the same deny / credential / remedy behaviour and
 * errors; a governed method throws, a list just goes on without a credential. Each upstream asked
 * counts against the caller's rate limit for that upstream (GATEWAY_RATE_LIMIT), as on its route.
 */
@Injectable()
export class UpstreamAccess {
  constructor(
    private readonly resolvePolicy: ResolvePolicyStep,
    private readonly obtainCredential: ObtainCredentialStep,
    private readonly limiter: PrincipalRateLimiter,
  ) {}

  async grant(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    message: InboundMessage,
  ): Promise<UpstreamGrant> {
    const view = new McpExchange(exchange.request, exchange.reply, 'POST', upstream.name);
    view.upstream = upstream;
    view.resource = exchange.resource;
    view.principal = exchange.principal;
    view.credential = exchange.credential;
    view.generation = exchange.generation;
    view.message = message;
    const session = exchange.aggregateSession;
    if (session !== undefined && exchange.sessionId !== undefined) {
      // A −32042 on /mcp is completed on the client's /mcp stream (issue 9 §2, session-streams.ts).
      const elicitation = session.capabilities.elicitation as { url?: unknown } | undefined;
      view.sessionId = exchange.sessionId;
      view.session = {
        principal: session.principal,
        upstream: upstream.name,
        urlElicitation: elicitation?.url !== undefined,
      };
      view.sessionStreamKey = routeSessionKey(AGGREGATE_ROUTE, exchange.sessionId);
    }
    const verdict = await this.limiter.check(
      exchange.request,
      exchange.principal!.key,
      upstream.name,
    );
    if (verdict.limited) {
      throw new GatewayError(
        'rate_limited',
        `at most ${verdict.rule.max} requests per ${verdict.rule.window_s} s to ${upstream.name}; retry in ${verdict.retryAfterSeconds} s`,
        { retryAfterSeconds: verdict.retryAfterSeconds },
      );
    }
    try {
      this.resolvePolicy.run(view);
      await this.obtainCredential.run(view);
    } finally {
      // The call trail (issue 9 §4) records what decided a tool call, refused or not.
      if (message.kind === 'request' && message.method === 'tools/call') {
        exchange.upstream = upstream;
        exchange.upstreamToolName = view.toolName;
        exchange.resolution = view.resolution;
        exchange.trailCredential = view.trailCredential;
      }
    }
    return {
      resolution: view.resolution!,
      injected: view.injected,
      credential: view.trailCredential ?? null,
    };
  }

  /** Lists: an upstream whose `_server` policy denies the caller is not contacted at all. */
  async grantForList(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    method: string,
  ): Promise<UpstreamGrant | undefined> {
    const grant = await this.grant(exchange, upstream, {
      kind: 'request',
      id: 0,
      method,
      params: undefined,
    });
    return grant.resolution.decision === 'deny' ? undefined : grant;
  }
}
