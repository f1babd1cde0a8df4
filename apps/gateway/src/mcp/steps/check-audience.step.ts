import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { GatewayError } from '../../http/gateway-error';
import { GatewayMetrics } from '../../metrics/gateway-metrics';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';

/**
 * SPEC-MUST 4 (RFC 8707, MCP authorization "token audience binding"): a token is accepted only
 * at the resource it was issued for — this route's canonical URL, or the gateway's base URL (a
 * token for the whole gateway). A token for another upstream's route is `invalid_token` here.
 * API keys, and trusted issuers with a configured audience, name the whole gateway.
 */
@Injectable()
export class CheckAudienceStep implements McpStep {
  private readonly root: string;

  constructor(
    @Inject(APP_CONFIG) config: GatewayConfig,
    private readonly metrics: GatewayMetrics,
  ) {
    this.root = config.GATEWAY_PUBLIC_URL;
  }

  run(exchange: McpExchange): void {
    const principal = exchange.principal!;
    if (
      principal.audiences.some(
        (aud) => aud === '*' || aud === exchange.resource || aud === this.root,
      )
    ) {
      // Authentication is complete here: verified, and for this resource.
      this.metrics.authSuccess(principal.kind);
      return;
    }
    this.metrics.authError('wrong_audience');
    throw new GatewayError('invalid_token', 'the token was not issued for this resource');
  }
}
