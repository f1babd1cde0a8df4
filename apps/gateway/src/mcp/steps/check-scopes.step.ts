import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { ScopeMap, scopeSatisfies } from '../../auth/scope-map';
import { GatewayError } from '../../http/gateway-error';
import { GatewayMetrics } from '../../metrics/gateway-metrics';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';

/**
 * SPEC-MUST 5 (RFC 6750 §3.1, MCP "scope challenge handling"): a token lacking a scope the method
 * needs → 403 `insufficient_scope` naming every scope the operation needs.
 */
@Injectable()
export class CheckScopesStep implements McpStep {
  private readonly scopes: ScopeMap;

  constructor(
    @Inject(APP_CONFIG) config: GatewayConfig,
    private readonly metrics: GatewayMetrics,
  ) {
    this.scopes = new ScopeMap(config.GATEWAY_SCOPE_MAP);
  }

  run(exchange: McpExchange): void {
    const message = exchange.message;
    if (message === undefined || message.kind === 'response') {
      return;
    }
    const required = this.scopes.required(message.method);
    const granted = exchange.principal!.scopes;
    if (required.every((scope) => scopeSatisfies(granted, scope))) {
      return;
    }
    this.metrics.authError('insufficient_scope');
    throw new GatewayError(
      'insufficient_scope',
      `${message.method} needs the scope ${required.join(' ')}`,
      {
        scopes: required,
      },
    );
  }
}
