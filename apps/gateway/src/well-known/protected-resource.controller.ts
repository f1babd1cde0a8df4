import {
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Options,
  Param,
} from '@nestjs/common';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { GATEWAY_SCOPES } from '../auth/scope-map';
import { UpstreamCache } from '@app/upstream-cache';

interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: ['header'];
  resource_name: string;
}

/**
 * SPEC-MUST 1, 2, 6 (RFC 9728 §3): protected-resource metadata at the root and path-inserted for
 * each route (`/mcp/github` → `/.well-known/oauth-protected-resource/mcp/github`), `resource` the
 * route's public URL exactly as tokens carry it in `aud`. No authentication, JSON, any origin, no
 * redirect; `offline_access` is not a scope of this resource. A browser client sends
 * `MCP-Protocol-Version` with its discovery GET (the SDKs do), which makes the browser ask first
 * (CORS preflight): the OPTIONS answer allows that header, else the GET is never sent.
 */
@Controller('.well-known/oauth-protected-resource')
export class ProtectedResourceController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
    private readonly upstreams: UpstreamCache,
  ) {}

  @Get()
  @Header('access-control-allow-origin', '*')
  @Header('cache-control', 'public, max-age=300')
  root(): ProtectedResourceMetadata {
    return this.metadata(this.config.GATEWAY_PUBLIC_URL, 'MCP auth gateway');
  }

  /** The aggregated server `/mcp` (its tokens carry `<GATEWAY_PUBLIC_URL>/mcp` as `aud`). */
  @Get('mcp')
  @Header('access-control-allow-origin', '*')
  @Header('cache-control', 'public, max-age=300')
  aggregate(): ProtectedResourceMetadata {
    return this.metadata(`${this.config.GATEWAY_PUBLIC_URL}/mcp`, 'MCP auth gateway (all servers)');
  }

  @Options('mcp')
  @HttpCode(204)
  @Header('access-control-allow-origin', '*')
  @Header('access-control-allow-methods', 'GET')
  @Header('access-control-allow-headers', 'MCP-Protocol-Version')
  @Header('access-control-max-age', '86400')
  aggregatePreflight(): void {}

  @Get('mcp/:upstream')
  @Header('access-control-allow-origin', '*')
  @Header('cache-control', 'public, max-age=300')
  route(@Param('upstream') name: string): ProtectedResourceMetadata {
    const upstream = this.upstreams.get(name);
    if (upstream === undefined || !upstream.enabled) {
      throw new NotFoundException(`no MCP server is registered at /mcp/${name}`);
    }
    return this.metadata(
      `${this.config.GATEWAY_PUBLIC_URL}/mcp/${upstream.name}`,
      `MCP server ${upstream.name}`,
    );
  }

  @Options()
  @HttpCode(204)
  @Header('access-control-allow-origin', '*')
  @Header('access-control-allow-methods', 'GET')
  @Header('access-control-allow-headers', 'MCP-Protocol-Version')
  @Header('access-control-max-age', '86400')
  rootPreflight(): void {}

  @Options('mcp/:upstream')
  @HttpCode(204)
  @Header('access-control-allow-origin', '*')
  @Header('access-control-allow-methods', 'GET')
  @Header('access-control-allow-headers', 'MCP-Protocol-Version')
  @Header('access-control-max-age', '86400')
  routePreflight(): void {}

  private metadata(resource: string, name: string): ProtectedResourceMetadata {
    return {
      resource,
      authorization_servers: [this.config.BROKER_PUBLIC_URL],
      scopes_supported: GATEWAY_SCOPES,
      bearer_methods_supported: ['header'],
      resource_name: name,
    };
  }
}
