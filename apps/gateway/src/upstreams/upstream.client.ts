import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { UpstreamView } from '@app/upstream-cache';
import type { UpstreamAbort } from './upstream-abort';

export interface UpstreamCall {
  method: 'POST' | 'GET' | 'DELETE';
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
  signal: UpstreamAbort;
}

interface PoolEntry {
  /** The registration the pool was built for (views are frozen and replaced on every change). */
  view: UpstreamView;
  pool: Pool;
  /** What the settings were: a change of URL or timeouts builds a new pool. */
  fingerprint: string;
  path: string;
  host: string;
}

/**
 * One undici keep-alive Pool per upstream (not fetch: no per-call agent lookup, no body
 * re-encoding). The upstream's timeouts are the pool's, and its URL is parsed once per
 * registration, not per request. A changed registration replaces its pool; the old one drains in
 * the background.
 */
@Injectable()
export class UpstreamClient implements OnModuleDestroy {
  private readonly pools = new Map<string, PoolEntry>();

  request(upstream: UpstreamView, call: UpstreamCall): Promise<Dispatcher.ResponseData> {
    const entry = this.entry(upstream);
    return entry.pool.request({
      method: call.method,
      path: entry.path,
      headers: call.headers,
      body: call.body,
      signal: call.signal,
    });
  }

  hostOf(upstream: UpstreamView): string {
    return this.entry(upstream).host;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map(async ({ pool }) => pool.destroy()));
    this.pools.clear();
  }

  private entry(upstream: UpstreamView): PoolEntry {
    const entry = this.pools.get(upstream.name);
    if (entry !== undefined && entry.view === upstream) {
      return entry;
    }
    const fingerprint = `${upstream.url}|${upstream.connectTimeoutMs}|${upstream.requestTimeoutMs}`;
    if (entry !== undefined && entry.fingerprint === fingerprint) {
      entry.view = upstream;
      return entry;
    }
    if (entry !== undefined) {
      void entry.pool.close().catch(() => undefined);
    }
    const url = new URL(upstream.url);
    const fresh: PoolEntry = {
      view: upstream,
      fingerprint,
      path: `${url.pathname}${url.search}`,
      host: url.host,
      pool: new Pool(url.origin, {
        connections: 128,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: { timeout: upstream.connectTimeoutMs },
        headersTimeout: upstream.requestTimeoutMs,
        // Streams (GET, SSE answers) may stay quiet for long: idle time is bounded by the
        // upstream's own keep-alives, never by the gateway cutting a healthy stream.
        bodyTimeout: 0,
      }),
    };
    this.pools.set(upstream.name, fresh);
    return fresh;
  }
}
