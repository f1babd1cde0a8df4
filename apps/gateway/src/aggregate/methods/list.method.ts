import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type GatewayConfig } from '@app/config';
import { UpstreamCache, type UpstreamView } from '@app/upstream-cache';
import { GatewayError } from '../../http/gateway-error';
import { ToolParamHeaders } from '../../mcp/tool-param-headers';
import { ToolsListFilter } from '../../mcp/tools-list.filter';
import { decodeCursor, encodeCursor, type CompositeCursor } from '../aggregate-cursor';
import { type AggregateAnswer, type AggregateMethod, paramsOf, result } from '../aggregate-answer';
import type { AggregateExchange } from '../aggregate-exchange';
import { AGGREGATE_ROUTE, qualify } from '../aggregate-names';
import { ResourceOwners } from '../resource-owners';
import { UpstreamAccess } from '../upstream-access';
import { REFRESH_REFUSALS, RefreshingCaller } from '../refreshing-caller';
import { UpstreamInitializeError } from '../upstream-caller';
import type { JsonObject } from '../upstream-rpc';
import { UpstreamSkips } from '../upstream-skips';

/** Per list method: the result's array and how an item is named on `/mcp`. */
const LISTS = {
  'tools/list': { field: 'tools', key: 'name', prefixed: true },
  'prompts/list': { field: 'prompts', key: 'name', prefixed: true },
  'resources/list': { field: 'resources', key: 'uri', prefixed: false },
  'resources/templates/list': { field: 'resourceTemplates', key: 'uriTemplate', prefixed: false },
} as const;
type ListName = keyof typeof LISTS;

interface Page {
  upstream: UpstreamView;
  items: JsonObject[];
  nextCursor: string | undefined;
  ttlMs: number | undefined;
}

/**
 * Issue 9 §1 lists: fanned out in parallel to every enabled upstream the caller may use (its
 * `<upstream>._server` policy does not deny; a denied upstream is not contacted), each within
 * GATEWAY_AGGREGATE_LIST_TIMEOUT_MS; an upstream down, slow or erroring is left out (upstream-skips),
 * never failing the list. Issue 10 §2: a 401 to a connection's injected token (to the list, or to
 * the initialize opening the upstream session) is retried once with a refreshed token
 * (refreshing-caller.ts); a refresh that cannot help leaves that upstream out. Tools and prompts
 * are renamed `<upstream>.<name>`; tools the policies do not let this caller call are left out (as
 * on the transparent route); resources keep their URIs and their owner is remembered for routing.
 * Pagination: a composite cursor, so the next page asks only the upstreams that have more. A
 * 2026-07-28 answer is `cacheScope: "private"` (it is filtered for this caller) with the smallest
 * `ttlMs` any upstream gave.
 */
@Injectable()
export class ListMethod implements AggregateMethod {
  readonly methods = Object.keys(LISTS);
  private readonly timeoutMs: number;

  constructor(
    private readonly directory: UpstreamCache,
    private readonly access: UpstreamAccess,
    private readonly refreshing: RefreshingCaller,
    private readonly skips: UpstreamSkips,
    private readonly tools: ToolsListFilter,
    private readonly paramHeaders: ToolParamHeaders,
    private readonly owners: ResourceOwners,
    @Inject(APP_CONFIG) config: GatewayConfig,
  ) {
    this.timeoutMs = config.GATEWAY_AGGREGATE_LIST_TIMEOUT_MS;
  }

  async handle(exchange: AggregateExchange): Promise<AggregateAnswer> {
    const message = exchange.message;
    if (message?.kind !== 'request') {
      return { status: 202 };
    }
    const method = message.method as ListName;
    const spec = LISTS[method];
    const params = paramsOf(exchange);
    const cursor: CompositeCursor | undefined =
      params.cursor === undefined ? undefined : decodeCursor(params.cursor);
    delete params.cursor;
    const targets = this.directory
      .list()
      .filter((up) => up.enabled && (cursor === undefined || cursor[up.name] !== undefined));
    const pages = await Promise.all(
      targets.map((upstream) =>
        this.page(exchange, upstream, method, params, cursor?.[upstream.name]),
      ),
    );
    const merged: JsonObject[] = [];
    const next: Record<string, string> = {};
    const owners = new Map<string, string>();
    let ttlMs: number | undefined;
    for (const page of pages) {
      if (page === undefined) {
        continue;
      }
      const name = page.upstream.name;
      for (const item of page.items) {
        const own = item[spec.key];
        if (typeof own !== 'string') {
          continue;
        }
        if (method === 'tools/list') {
          this.paramHeaders.record(AGGREGATE_ROUTE, qualify(name, own), item.inputSchema);
          if (!this.tools.visible(name, own, exchange.principal!)) {
            continue;
          }
        }
        if (spec.prefixed) {
          merged.push({ ...item, [spec.key]: qualify(name, own) });
        } else {
          owners.set(own, name);
          merged.push(item);
        }
      }
      if (page.nextCursor !== undefined) {
        next[name] = page.nextCursor;
      }
      if (page.ttlMs !== undefined) {
        ttlMs = Math.min(ttlMs ?? page.ttlMs, page.ttlMs);
      }
    }
    await this.owners.remember(exchange.principal!.key, owners);
    const nextCursor = encodeCursor(next);
    return result(exchange.requestId, {
      [spec.field]: merged,
      ...(nextCursor !== undefined ? { nextCursor } : {}),
      ...(exchange.generation === 'modern' ? { ttlMs: ttlMs ?? 0, cacheScope: 'private' } : {}),
    });
  }

  private async page(
    exchange: AggregateExchange,
    upstream: UpstreamView,
    method: ListName,
    params: JsonObject,
    cursor: string | undefined,
  ): Promise<Page | undefined> {
    const started = Date.now();
    try {
      const grant = await this.access.grantForList(exchange, upstream, method);
      if (grant === undefined) {
        return undefined;
      }
      const answer = await this.refreshing.send(
        exchange,
        upstream,
        {
          jsonrpc: '2.0',
          id: exchange.requestId,
          method,
          params: { ...params, ...(cursor !== undefined ? { cursor } : {}) },
        },
        grant,
        { timeoutMs: this.timeoutMs },
      );
      const body = answer.message?.result as JsonObject | undefined;
      const items = body?.[LISTS[method].field];
      if (answer.status !== 200 || !Array.isArray(items)) {
        // An upstream without that capability answers −32601: nothing to list, nothing wrong.
        const code = (answer.message?.error as { code?: unknown } | undefined)?.code;
        if (code !== -32601) {
          this.skips.skip(exchange, upstream.name, 'bad_answer', `status ${answer.status}`);
        }
        return undefined;
      }
      return {
        upstream,
        items: items.filter(
          (item): item is JsonObject => typeof item === 'object' && item !== null,
        ),
        nextCursor: typeof body?.nextCursor === 'string' ? body.nextCursor : undefined,
        ttlMs: typeof body?.ttlMs === 'number' ? body.ttlMs : undefined,
      };
    } catch (error) {
      if (exchange.abort.aborted) {
        return undefined;
      }
      if (error instanceof GatewayError && REFRESH_REFUSALS.has(error.code)) {
        // Issue 10 §2: no usable token for it now; the list answers without it (a routed call
        // to it gets the auth-required answer).
        this.skips.skip(exchange, upstream.name, 'token_refused', error.code);
        return undefined;
      }
      this.skips.skip(
        exchange,
        upstream.name,
        error instanceof UpstreamInitializeError
          ? 'initialize_failed'
          : Date.now() - started >= this.timeoutMs
            ? 'timeout'
            : 'unreachable',
        error,
      );
      return undefined;
    }
  }
}
