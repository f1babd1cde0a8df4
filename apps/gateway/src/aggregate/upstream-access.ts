import { Injectable } from '@nestjs/common';
import type { InboundMessage } from '@app/mcp-protocol';
import type { Resolution } from '@app/policy-engine';
import type { UpstreamView } from '@app/upstream-cache';
import { McpExchange } from '../mcp/mcp-exchange';
import { ObtainCredentialStep } from '../mcp/steps/obtain-credential.step';
import { ResolvePolicyStep } from '../mcp/steps/resolve-policy.step';
import type { AggregateExchange } from './aggregate-exchange';

export interface UpstreamGrant {
  resolution: Resolution;
  /** The credential headers for the upstream (empty when none). */
  injected: Record<string, string>;
}

/**
 * DESIGN "Policies" on `/mcp`, decided exactly as on the transparent route: the same two steps run
 * on a per-upstream view of the request (the upstream, the principal and the message as that
 * upstream will see it, its own tool name). So `tools/call` is decided by `<upstream>.<tool>`,
 * everything else by `<upstream>._server`, with the same deny / credential / remedy behaviour and
 * errors; a governed method throws, a list just goes on without a credential.
 */
@Injectable()
export class UpstreamAccess {
  constructor(
    private readonly resolvePolicy: ResolvePolicyStep,
    private readonly obtainCredential: ObtainCredentialStep,
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
    this.resolvePolicy.run(view);
    await this.obtainCredential.run(view);
    return { resolution: view.resolution!, injected: view.injected };
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
