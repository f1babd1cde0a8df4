import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Agent, request } from 'undici';

export type UpstreamState = 'up' | 'down';

/** What a probe needs of a registered upstream (UpstreamEntity has it). */
export interface ProbedUpstream {
  url: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

/** A probe never waits longer than this, whatever the upstream's own timeouts. */
const PROBE_CAP_MS = 5000;

/**
 * One cheap probe of an upstream's MCP URL, with no user credential: `HEAD`, which has no body to
 * stream (no SSE stream held open) and opens no MCP session. Any HTTP answer below 500 — 400 for
 * a request that is not MCP, 401 for one without a token, 404/405 for a server that does not do
 * HEAD — means a process is there and answering: up. 5xx (the server, or a proxy in front of it,
 * says it cannot serve), connection refused, reset or timeout: down. Connections are not kept
 * (`reset`): a probe always dials, as a client after a restart would.
 */
@Injectable()
export class UpstreamProber implements OnModuleDestroy {
  private readonly agent = new Agent({ connections: 16 });

  async probe(upstream: ProbedUpstream): Promise<UpstreamState> {
    const timeoutMs = Math.min(upstream.connectTimeoutMs + upstream.requestTimeoutMs, PROBE_CAP_MS);
    try {
      const answer = await request(upstream.url, {
        method: 'HEAD',
        dispatcher: this.agent,
        reset: true,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
      });
      await answer.body.dump();
      return answer.statusCode < 500 ? 'up' : 'down';
    } catch {
      return 'down';
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }
}
