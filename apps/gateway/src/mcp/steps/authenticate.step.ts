import { Injectable } from '@nestjs/common';
import { InboundAuthenticator } from '../../auth/inbound-authenticator';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';

/**
 * SPEC-MUST 4 and 8: the credential is verified on every request (POST, GET, DELETE, resumed
 * streams, notifications) through the passport strategy of its scheme; a session id never stands in
 * for it. Expired, forged, unknown issuer, `alg: none`, unknown `kid` → 401 `invalid_token`.
 */
@Injectable()
export class AuthenticateStep implements McpStep {
  constructor(private readonly authenticator: InboundAuthenticator) {}

  async run(exchange: McpExchange): Promise<void> {
    exchange.principal = await this.authenticator.authenticate(exchange.credential!);
  }
}
