import { Injectable } from '@nestjs/common';
import { UpstreamCache, type UpstreamView } from '@app/upstream-cache';
import { GatewayError } from '../../http/gateway-error';
import { paramsOf } from '../aggregate-answer';
import type { AggregateExchange } from '../aggregate-exchange';
import { splitQualified } from '../aggregate-names';
import { ResourceOwners } from '../resource-owners';
import type { JsonObject } from '../upstream-rpc';

/** Where a routed method goes. */
export interface Route {
  upstream: UpstreamView;
  /** The params as the upstream sees them (its own names). */
  params: JsonObject;
  /** 2026-07-28 `Mcp-Name` for the upstream. */
  mcpName?: string;
}

/**
 * Issue 9 §1: the one upstream a method targets — `tools/call` and `prompts/get` by the
 * `<upstream>.` prefix of the name (longest registered upstream name wins), `resources/read` and
 * `resources/(un)subscribe` by the URI's owner (resource-owners.ts), `completion/complete` by its
 * ref (a prompt name's prefix, or a resource template's owner). The params are rewritten to the
 * upstream's own names.
 */
@Injectable()
export class RouteTargets {
  constructor(
    private readonly directory: UpstreamCache,
    private readonly owners: ResourceOwners,
  ) {}

  async route(exchange: AggregateExchange, method: string): Promise<Route> {
    const params = paramsOf(exchange);
    switch (method) {
      case 'tools/call':
      case 'prompts/get':
        return this.byName(params, params.name, method);
      case 'completion/complete': {
        const ref = params.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
        if (ref?.type === 'ref/prompt') {
          const named = this.byName({}, ref.name, method);
          return { ...named, params: { ...params, ref: { ...ref, name: named.mcpName } } };
        }
        return this.byUri(exchange, params, ref?.uri);
      }
      default:
        return this.byUri(exchange, params, params.uri);
    }
  }

  private byName(params: JsonObject, name: unknown, method: string): Route {
    if (typeof name !== 'string' || name === '' || name.length > 320) {
      throw new GatewayError(
        'invalid_params',
        `${method} needs a name of the form <upstream>.<name>`,
      );
    }
    const split = splitQualified(name, this.directory.list());
    if (split === undefined) {
      throw new GatewayError(
        'invalid_params',
        `no upstream serves ${name}: names are <upstream>.<name>`,
      );
    }
    return {
      upstream: split.upstream,
      params: { ...params, name: split.name },
      mcpName: split.name,
    };
  }

  private async byUri(
    exchange: AggregateExchange,
    params: JsonObject,
    uri: unknown,
  ): Promise<Route> {
    if (typeof uri !== 'string' || uri === '' || uri.length > 8192) {
      throw new GatewayError('invalid_params', 'the request needs a uri');
    }
    const owner = await this.owners.owner(exchange.principal!.key, uri);
    const upstream = owner === undefined ? undefined : this.directory.get(owner);
    if (upstream === undefined || !upstream.enabled) {
      throw new GatewayError('invalid_params', `unknown resource ${uri}: list the resources first`);
    }
    return { upstream, params, mcpName: uri };
  }
}
