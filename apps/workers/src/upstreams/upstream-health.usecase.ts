import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { JobProducer } from '@app/jobs';
import { LOGGER } from '@app/observability';
import { UpstreamRepository } from '@app/persistence';
import { UpstreamHealthStore } from './upstream-health.store';
import { UpstreamProber, type UpstreamState } from './upstream.prober';

/** Probes in flight at once: a large registry is not dialled all at the same moment. */
const PROBES_AT_ONCE = 8;

export interface UpstreamHealthResult {
  up: number;
  down: number;
  /** The upstreams that answered again after failing: a session recovery was queued for each. */
  recovering: string[];
}

/**
 * Issue 10 §1 "detect" (reference "Remote MCP Mode": health check monitoring → queue session
 * recovery): probes every enabled upstream of the registry the gateway routes by (UpstreamProber),
 * keeps its state in Redis (UpstreamHealthStore) and, on down → up — the upstream restarted or came
 * back, so the sessions it held are gone — queues a session recovery for that upstream (one job
 * per upstream while it waits or runs). A first probe (no state yet) is no transition: a gateway
 * start queues its own recovery. An upstream restarting faster than UPSTREAM_HEALTH_EVERY_MS may
 * be seen up both times: the gateway's re-initialize on the upstream's 404 still covers it.
 */
@Injectable()
export class UpstreamHealthUseCase {
  constructor(
    private readonly upstreams: UpstreamRepository,
    private readonly prober: UpstreamProber,
    private readonly store: UpstreamHealthStore,
    private readonly jobs: JobProducer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(): Promise<UpstreamHealthResult> {
    const enabled = (await this.upstreams.loadSet()).upstreams.filter((u) => u.enabled);
    const states = new Map<string, UpstreamState>();
    for (let i = 0; i < enabled.length; i += PROBES_AT_ONCE) {
      const batch = enabled.slice(i, i + PROBES_AT_ONCE);
      const probed = await Promise.all(batch.map((u) => this.prober.probe(u)));
      batch.forEach((u, j) => states.set(u.name, probed[j]!));
    }
    await this.store.keepOnly([...states.keys()]);
    const result: UpstreamHealthResult = { up: 0, down: 0, recovering: [] };
    for (const [upstream, state] of states) {
      result[state] += 1;
      const previous = await this.store.record(upstream, state);
      if (previous !== undefined && previous !== state) {
        this.logger.info({ upstream, from: previous, to: state }, 'upstream health changed');
      }
      if (previous === 'down' && state === 'up') {
        await this.queueRecovery(upstream);
        result.recovering.push(upstream);
      }
    }
    return result;
  }

  private async queueRecovery(upstream: string): Promise<void> {
    try {
      await this.jobs.requestUpstreamRecovery(upstream);
    } catch (error) {
      // Not queued: put the state back, so the next run sees down → up again.
      await this.store.record(upstream, 'down');
      throw error;
    }
  }
}
