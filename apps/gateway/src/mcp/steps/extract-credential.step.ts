import { Injectable } from '@nestjs/common';
import { GatewayError } from '../../http/gateway-error';
import { GatewayMetrics } from '../../metrics/gateway-metrics';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const API_KEY = /^ApiKey +(\S{1,512}) *$/i;
const QUERY_TOKEN = /(?:^|&)(?:access_token|api_key|apikey|token)=/i;

/**
 * SPEC-MUST 3 and 7 (RFC 6750 §2): the credential comes from `Authorization: Bearer <token>`,
 * `Authorization: ApiKey <key>` or `X-API-Key: <key>` — never from the query string, which would
 * put it in logs and browser history (such a request is refused, even with a header too).
 * No credential → 401 with the challenge that starts the client's OAuth discovery.
 */
@Injectable()
export class ExtractCredentialStep implements McpStep {
  constructor(private readonly metrics: GatewayMetrics) {}

  run(exchange: McpExchange): void {
    const query = exchange.request.url.split('?')[1];
    if (query !== undefined && QUERY_TOKEN.test(query)) {
      this.refused('token_in_query');
      throw new GatewayError(
        'token_in_query',
        'credentials are not accepted in the query string; use the Authorization header',
      );
    }
    const authorization = exchange.header('authorization');
    if (authorization !== undefined && authorization !== '') {
      const bearer = BEARER.exec(authorization);
      if (bearer !== null) {
        exchange.credential = { scheme: 'bearer', token: bearer[1]! };
        return;
      }
      const key = API_KEY.exec(authorization);
      if (key !== null) {
        exchange.credential = { scheme: 'api_key', key: key[1]! };
        return;
      }
      this.refused('malformed');
      throw new GatewayError(
        'invalid_token',
        'the Authorization header must be `Bearer <token>` or `ApiKey <key>`',
      );
    }
    const apiKey = exchange.header('x-api-key');
    if (apiKey !== undefined && apiKey !== '') {
      exchange.credential = { scheme: 'api_key', key: apiKey.trim() };
      return;
    }
    this.refused('missing');
    throw new GatewayError('missing_credential', 'this MCP endpoint requires authorization');
  }

  /** An attempt without a usable credential still counts as one (`auth_requests_total{scheme="none"}`). */
  private refused(type: 'token_in_query' | 'malformed' | 'missing'): void {
    this.metrics.authRequest('none');
    this.metrics.authError(type);
  }
}
