import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { isLoopbackHost } from '@app/crypto';
import { GatewayError } from '../../http/gateway-error';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';

/**
 * SPEC-MUST 11 (transports: "Servers MUST validate the Origin header"): a present `Origin` must be
 * the gateway's own or listed in GATEWAY_ALLOWED_ORIGINS, else 403. When the gateway's public URL
 * is a loopback address (localhost mode), a Host that is not loopback is refused too (DNS
 * rebinding), and any loopback Origin is allowed (local clients such as the MCP Inspector).
 */
@Injectable()
export class CheckOriginStep implements McpStep {
  private readonly own: string;
  private readonly localhostMode: boolean;
  private readonly allowed: ReadonlySet<string>;

  constructor(@Inject(APP_CONFIG) config: GatewayConfig) {
    const url = new URL(config.GATEWAY_PUBLIC_URL);
    this.own = url.origin;
    this.localhostMode = isLoopbackHost(url.hostname);
    this.allowed = config.GATEWAY_ALLOWED_ORIGINS;
  }

  run(exchange: McpExchange): void {
    if (this.localhostMode && !isLoopbackHost(hostnameOf(exchange.header('host') ?? ''))) {
      throw new GatewayError(
        'origin_not_allowed',
        'this gateway only answers requests addressed to localhost',
      );
    }
    const origin = exchange.header('origin');
    if (origin === undefined || this.allows(origin)) {
      return;
    }
    throw new GatewayError('origin_not_allowed', 'requests from this origin are not allowed');
  }

  private allows(origin: string): boolean {
    const lower = origin.toLowerCase();
    if (lower === this.own || this.allowed.has(lower)) {
      return true;
    }
    if (!this.localhostMode) {
      return false;
    }
    try {
      const url = new URL(lower);
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname)
      );
    } catch {
      return false;
    }
  }
}

function hostnameOf(host: string): string {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return '';
  }
}
