import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { GatewayError } from '../../http/gateway-error';
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

  constructor(@Inject(APP_CONFIG) config: GatewayConfig) {
    this.root = config.GATEWAY_PUBLIC_URL;
  }

  run(exchange: McpExchange): void {
    const audiences = exchange.principal!.audiences;
    if (audiences.some((aud) => aud === '*' || aud === exchange.resource || aud === this.root)) {
      return;
    }
    throw new GatewayError('invalid_token', 'the token was not issued for this resource');
  }
}
