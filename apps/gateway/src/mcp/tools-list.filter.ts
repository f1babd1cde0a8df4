import { Injectable } from '@nestjs/common';
import { PolicyCache } from '@app/policy-cache';
import type { Principal } from '../auth/principal';
import { ToolParamHeaders } from './tool-param-headers';

/**
 * `tools/list` shows the tools this caller may call under the policies — by policy only. A tool
 * whose credential the user has not connected yet, or whose token has expired, stays listed:
 * calling it answers the auth-required remedy. (Tools vanishing from lists when a token expires is
 * the most reported failure of other MCP gateways.) Left out: tools a policy denies (or no policy
 * allows, under default deny), and `api_key` tools the caller's key does not carry.
 */
@Injectable()
export class ToolsListFilter {
  constructor(
    private readonly policies: PolicyCache,
    private readonly paramHeaders: ToolParamHeaders,
  ) {}

  visible(route: string, tool: string, principal: Principal): boolean {
    const resolution = this.policies.resolve(`${route}.${tool}`);
    if (resolution.decision === 'deny') {
      return false;
    }
    const method = resolution.auth_method;
    if (method?.type !== 'api_key') {
      return true;
    }
    const key = principal.apiKey;
    return (
      key !== undefined && (key.name === method.key_ref || key.permissions.includes(method.key_ref))
    );
  }

  /** The JSON-RPC response with `result.tools` filtered; anything else is returned unchanged. */
  filterResponse(response: unknown, route: string, principal: Principal): unknown {
    if (typeof response !== 'object' || response === null) {
      return response;
    }
    const result = (response as { result?: unknown }).result as
      Record<string, unknown> | null | undefined;
    const tools = typeof result === 'object' && result !== null ? result.tools : undefined;
    if (!Array.isArray(tools)) {
      return response;
    }
    const kept = tools.filter((tool: unknown) => {
      const name =
        typeof tool === 'object' && tool !== null ? (tool as { name?: unknown }).name : undefined;
      if (typeof name !== 'string') {
        return false;
      }
      this.paramHeaders.record(route, name, (tool as { inputSchema?: unknown }).inputSchema);
      return this.visible(route, name, principal);
    });
    return { ...response, result: { ...result, tools: kept } };
  }
}
