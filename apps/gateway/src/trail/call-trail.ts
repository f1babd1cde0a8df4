import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { CallRecord } from './call-record';

/** Where batches go: `CallTrailRepository` in the app, anything with `insertMany` in a test. */
export interface CallTrailSink {
  insertMany(records: readonly CallRecord[]): Promise<void>;
}

export interface CallTrailOptions {
  /** Records held awaiting their write; past it a new record is dropped and counted. */
  queueMax: number;
  /** How often the queue is written (also as soon as `batchSize` records wait). */
  flushMs: number;
  /** Records per write. */
  batchSize?: number;
}

const DEFAULT_BATCH = 500;

/**
 * The per-call credential trail's writer (issue 9 §4): `record()` never blocks the answer and never
 * throws — it appends to a bounded in-memory queue written in batches. A full queue drops the new
 * record (`gateway_trail_dropped_total`); while Postgres is down the queue keeps what it holds and
 * retries on each tick, one log line per outage (not per record or per retry).
 */
export class CallTrail {
  private queue: CallRecord[] = [];
  /** Records of the batch being written: within the bound too, they return to the queue on failure. */
  private inFlight = 0;
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly batchSize: number;
  private readonly written: Counter;
  private readonly dropped: Counter;
  private outage = false;
  private closed = false;

  constructor(
    private readonly sink: CallTrailSink,
    private readonly options: CallTrailOptions,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    if (options.queueMax < 1 || options.flushMs < 1) {
      throw new TypeError('CallTrail: queueMax and flushMs must be positive');
    }
    this.batchSize = Math.min(options.batchSize ?? DEFAULT_BATCH, options.queueMax);
    this.written = new Counter({
      name: 'gateway_trail_written_total',
      help: 'Call-trail records written to Postgres.',
      registers: [registry],
    });
    this.dropped = new Counter({
      name: 'gateway_trail_dropped_total',
      help: 'Call-trail records dropped: the queue was full (Postgres slow or down) or the gateway stopped before writing them.',
      registers: [registry],
    });
    this.timer = setInterval(() => void this.flush(), options.flushMs);
    this.timer.unref();
  }

  /** Queues one record; O(1), never throws, never waits. */
  record(entry: CallRecord): void {
    if (this.closed || this.queue.length + this.inFlight >= this.options.queueMax) {
      this.dropped.inc();
      return;
    }
    this.queue.push(entry);
    if (this.queue.length >= this.batchSize && this.flushing === null) {
      void this.flush();
    }
  }

  /** Records waiting to be written (the batch being written included). */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Writes what is queued, batch by batch; on a failure keeps the rest for the next tick. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Stops taking records and writes what is queued once; what cannot be written is counted dropped. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
    if (this.queue.length > 0) {
      this.dropped.inc(this.queue.length);
      this.logger.warn(
        { trail_dropped: this.queue.length },
        'call trail: records not written at shutdown',
      );
      this.queue = [];
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      this.inFlight = batch.length;
      try {
        await this.sink.insertMany(batch);
      } catch (error) {
        // Back at the front, in order; the bound counted them all along.
        this.queue = batch.concat(this.queue);
        this.inFlight = 0;
        if (!this.outage) {
          this.outage = true;
          this.logger.warn(
            { reason: error instanceof Error ? error.message : 'unknown' },
            'call trail: writes failing, records kept in memory',
          );
        }
        return;
      }
      this.inFlight = 0;
      this.written.inc(batch.length);
      if (this.outage) {
        this.outage = false;
        this.logger.info('call trail: writes resumed');
      }
    }
  }
}
