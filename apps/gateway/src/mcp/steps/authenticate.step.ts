import { Injectable } from '@nestjs/common';
import { InboundAuthenticator } from '../../auth/inbound-authenticator';
import { authErrorType } from '../../metrics/auth-error-type';
import { GatewayMetrics } from '../../metrics/gateway-metrics';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';

/**
 * SPEC-MUST 4 and 8: the credential is verified on every request (POST, GET, DELETE, resumed
 * streams, notifications) through the passport strategy of its scheme; a session id never stands in
 * for it. Expired, forged, unknown issuer, `alg: none`, unknown `kid` → 401 `invalid_token`.
 */
@Injectable()
export class AuthenticateStep implements McpStep {
  constructor(
    private readonly authenticator: InboundAuthenticator,
    private readonly metrics: GatewayMetrics,
  ) {}

  async run(exchange: McpExchange): Promise<void> {
    const credential = exchange.credential!;
    this.metrics.authRequest(credential.scheme);
    try {
      exchange.principal = await this.authenticator.authenticate(credential);
    } catch (error) {
      this.metrics.authError(authErrorType(error, credential));
      throw error;
    }
  }
}
