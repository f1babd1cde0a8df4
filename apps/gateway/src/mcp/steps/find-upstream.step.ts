import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { GatewayError } from '../../http/gateway-error';
import { UpstreamCache } from '@app/upstream-cache';
import type { McpExchange } from '../mcp-exchange';
import type { McpStep } from '../mcp-step';

/**
 * The route names a registered, enabled upstream (`/admin/v1/upstreams`), else 404. Its canonical
 * resource URL (RFC 8707) is what tokens for this route carry as `aud`.
 */
@Injectable()
export class FindUpstreamStep implements McpStep {
  private readonly base: string;

  constructor(
    private readonly directory: UpstreamCache,
    @Inject(APP_CONFIG) config: GatewayConfig,
  ) {
    this.base = `${config.GATEWAY_PUBLIC_URL}/mcp/`;
  }

  run(exchange: McpExchange): void {
    const upstream = this.directory.get(exchange.routeName);
    if (upstream === undefined || !upstream.enabled) {
      throw new GatewayError(
        'unknown_upstream',
        `no MCP server is registered at /mcp/${exchange.routeName}`,
      );
    }
    exchange.upstream = upstream;
    exchange.resource = `${this.base}${upstream.name}`;
  }
}
