import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { AGGREGATE_UPSTREAM_FIELD, gatewaySessionKeyPrefixes } from '@app/gateway-contract';
import { REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';

/**
 * Keys looked at per SCAN step, and the sessions read per run (checked between steps, so a run
 * may read one step more); the rest waits for the next run.
 */
const SCAN_COUNT = 1000;
export const MAX_SESSIONS_PER_RUN = 100_000;

export interface LiveSubjects {
  /** Distinct users with at least one live gateway session. */
  subjects: Set<string>;
  /** Sessions read. */
  sessions: number;
  /** True when MAX_SESSIONS_PER_RUN was reached before the keyspace was. */
  truncated: boolean;
}

/**
 * Reads who has live gateway sessions from the gateway's own Redis layout
 * (gatewaySessionKeyPrefixes): SCAN in steps (never KEYS), values fetched in one pipeline per
 * step, about MAX_SESSIONS_PER_RUN sessions a run. A session without a recorded `subject`
 * (written before it was recorded) stands for its principal key, which is the broker's subject
 * for API keys and external issuers; for the gateway's own issuer it matches no connection and
 * the session is left to the gateway's own answers. With an upstream, only the sessions bound to
 * it: relay bindings of its route, aggregate sessions that opened an upstream session to it.
 */
@Injectable()
export class LiveSessionScanner {
  private readonly prefixes: { relay: string; aggregate: string };

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_OPTIONS) options: RedisModuleOptions,
  ) {
    this.prefixes = gatewaySessionKeyPrefixes(options.keyPrefix);
  }

  async scan(limit = MAX_SESSIONS_PER_RUN, upstream?: string): Promise<LiveSubjects> {
    const found: LiveSubjects = { subjects: new Set(), sessions: 0, truncated: false };
    // Relay keys are `<relay prefix><upstream>:<hash>`: one upstream's are a narrower prefix.
    const relay =
      upstream === undefined ? this.prefixes.relay : `${this.prefixes.relay}${upstream}:`;
    await this.each(relay, found, limit, async (keys) => {
      const values = await this.redis.mget(...keys);
      return values.map((raw) => (raw === null ? undefined : subjectOf(raw)));
    });
    const bound = upstream === undefined ? undefined : `${AGGREGATE_UPSTREAM_FIELD}${upstream}`;
    await this.each(this.prefixes.aggregate, found, limit, async (keys) => {
      const pipeline = this.redis.pipeline();
      for (const key of keys) {
        pipeline.hmget(key, 'subject', 'principal', ...(bound === undefined ? [] : [bound]));
      }
      const answers = (await pipeline.exec()) ?? [];
      return answers.map(([error, fields]) => {
        const [subject, principal, ref] = (error === null ? fields : []) as (string | null)[];
        if (bound !== undefined && (ref ?? null) === null) {
          return undefined;
        }
        return subject ?? principal ?? undefined;
      });
    });
    return found;
  }

  private async each(
    prefix: string,
    found: LiveSubjects,
    limit: number,
    read: (keys: string[]) => Promise<(string | undefined)[]>,
  ): Promise<void> {
    let cursor = '0';
    do {
      if (found.sessions >= limit) {
        found.truncated = true;
        return;
      }
      const [next, keys] = await this.redis.scan(
        cursor,
        'MATCH',
        `${escapeGlob(prefix)}*`,
        'COUNT',
        SCAN_COUNT,
      );
      cursor = next;
      if (keys.length === 0) {
        continue;
      }
      for (const subject of await read(keys)) {
        if (subject !== undefined && subject !== '') {
          found.subjects.add(subject);
          found.sessions += 1;
        }
      }
    } while (cursor !== '0');
  }
}

function subjectOf(raw: string): string | undefined {
  try {
    const binding = JSON.parse(raw) as { subject?: unknown; principal?: unknown };
    const subject = binding.subject ?? binding.principal;
    return typeof subject === 'string' ? subject : undefined;
  } catch {
    return undefined;
  }
}

/** REDIS_KEY_PREFIX is the operator's: its glob characters are matched literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
