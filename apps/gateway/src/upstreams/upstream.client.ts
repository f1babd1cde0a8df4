import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { UpstreamView } from '@app/upstream-cache';

export interface UpstreamCall {
  method: 'POST' | 'GET' | 'DELETE';
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
  signal: AbortSignal;
}

interface PoolEntry {
  pool: Pool;
  /** The settings the pool was built with: a change of URL or timeouts builds a new one. */
  fingerprint: string;
}

/**
 * One undici keep-alive Pool per upstream (not fetch: no per-call agent lookup, no body
 * re-encoding). A changed registration replaces its pool; the old one drains in the background.
 */
@Injectable()
export class UpstreamClient implements OnModuleDestroy {
  private readonly pools = new Map<string, PoolEntry>();

  request(upstream: UpstreamView, call: UpstreamCall): Promise<Dispatcher.ResponseData> {
    const url = new URL(upstream.url);
    return this.pool(upstream, url).request({
      method: call.method,
      path: `${url.pathname}${url.search}`,
      headers: call.headers,
      body: call.body,
      signal: call.signal,
      headersTimeout: upstream.requestTimeoutMs,
      // Streams (GET, SSE answers) may stay quiet for long: idle time is bounded by the upstream's
      // own keep-alives, never by the gateway cutting a healthy stream.
      bodyTimeout: 0,
    });
  }

  hostOf(upstream: UpstreamView): string {
    return new URL(upstream.url).host;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map(async ({ pool }) => pool.destroy()));
    this.pools.clear();
  }

  private pool(upstream: UpstreamView, url: URL): Pool {
    const fingerprint = `${url.origin}|${upstream.connectTimeoutMs}`;
    const entry = this.pools.get(upstream.name);
    if (entry !== undefined && entry.fingerprint === fingerprint) {
      return entry.pool;
    }
    if (entry !== undefined) {
      void entry.pool.close().catch(() => undefined);
    }
    const pool = new Pool(url.origin, {
      connections: 128,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: upstream.connectTimeoutMs },
    });
    this.pools.set(upstream.name, { pool, fingerprint });
    return pool;
  }
}
