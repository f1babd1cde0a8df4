import { Injectable } from '@nestjs/common';
import { PolicyCache } from '@app/policy-cache';
import { GatewayError } from '../../http/gateway-error';
import { GatewayMetrics } from '../../metrics/gateway-metrics';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';

/**
 * The name that stands for an upstream as a whole in policies: `<upstream>._server`. Glob
 * characters are not tool names (the engine refuses to match them), and a tool-specific pattern
 * (`github.create_*`) never matches it, while `github.*` and `*` do.
 */
export const SERVER_POLICY_NAME = '_server';

/** Methods a policy governs: a deny refuses them, a missing credential answers the remedy. */
export function isGoverned(method: string | undefined): boolean {
  return (
    method !== undefined &&
    (method === 'tools/call' ||
      method.startsWith('resources/') ||
      method.startsWith('prompts/') ||
      method === 'completion/complete')
  );
}

/**
 * DESIGN "Policies": `tools/call` is decided by the policy winning for `<upstream>.<tool>` (in
 * memory, compiled per policy-set version). Resources, prompts and completions have no tool name:
 * they are decided by the policy winning for `<upstream>._server` — the upstream-wide policy
 * (`github.*`, `*`), so denying an upstream denies them too. Other methods (initialize,
 * lists, ping, notifications, streams) are never refused here; they carry the upstream-wide
 * credential when there is one, and tools/list answers are filtered per tool (forward step).
 */
@Injectable()
export class ResolvePolicyStep implements McpStep {
  constructor(
    private readonly policies: PolicyCache,
    private readonly metrics: GatewayMetrics,
  ) {}

  run(exchange: McpExchange): void {
    const message = exchange.message;
    const method = message?.kind === 'response' ? undefined : message?.method;
    if (method === 'tools/call') {
      const tool = exchange.toolName;
      if (tool === undefined || tool === '' || tool.length > 256) {
        throw new GatewayError('invalid_params', 'tools/call needs params.name, the tool to call');
      }
      exchange.resolution = this.policies.resolve(`${exchange.routeName}.${tool}`);
    } else {
      exchange.resolution = this.policies.resolve(`${exchange.routeName}.${SERVER_POLICY_NAME}`);
    }
    const resolution = exchange.resolution;
    if (!isGoverned(method)) {
      return;
    }
    if (resolution.decision !== 'deny') {
      this.metrics.policyDecision('allowed');
      return;
    }
    this.metrics.policyDecision(resolution.policy === null ? 'default_denied' : 'denied');
    throw new GatewayError(
      'policy_denied',
      resolution.policy === null
        ? `no policy allows ${resolution.tool} (default deny)`
        : `policy "${resolution.policy.name}" denies ${resolution.tool}`,
    );
  }
}
