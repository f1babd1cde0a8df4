import { Injectable } from '@nestjs/common';
import { GatewayError } from '../../http/gateway-error';
import { PrincipalRateLimiter } from '../../rate-limit/principal-rate-limiter';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';

/**
 * Issue 9 §5, RFC 6585 §4: at most `max` requests per `window_s` seconds per principal and
 * upstream (GATEWAY_RATE_LIMIT), shared by every gateway instance through Redis. Past it: 429 with
 * `Retry-After` (seconds) and a JSON-RPC error carrying the request's id, on both generations.
 * Runs once the caller is known and its message read (so the answer has the id), before anything
 * that costs a Redis session read, the broker or the upstream.
 */
@Injectable()
export class CheckRateLimitStep implements McpStep {
  constructor(private readonly limiter: PrincipalRateLimiter) {}

  async run(exchange: McpExchange): Promise<void> {
    const upstream = exchange.upstream.name;
    const verdict = await this.limiter.check(exchange.request, exchange.principal!.key, upstream);
    if (verdict.limited) {
      throw new GatewayError(
        'rate_limited',
        `at most ${verdict.rule.max} requests per ${verdict.rule.window_s} s to ${upstream}; retry in ${verdict.retryAfterSeconds} s`,
        { retryAfterSeconds: verdict.retryAfterSeconds },
      );
    }
  }
}
