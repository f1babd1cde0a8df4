import type Redis from 'ioredis';
import { CompiledPolicySet, type Decision, type Policy, type Resolution } from '@app/policy-engine';
import { VersionFollower, type VersionFollowerLogger } from '@app/redis';

/** Where a cache reads committed policy sets from (the policy repository in production). */
export interface PolicySetSource {
  currentVersion(): Promise<number>;
  loadSet(): Promise<{ version: number; policies: Policy[] }>;
}

export type PolicyCacheLogger = VersionFollowerLogger;

export interface PolicyCacheOptions {
  /** Redis channel on which committed versions are announced. */
  channel: string;
  /** Safety net for missed messages: compare versions with the source this often. */
  pollIntervalMs: number;
  defaultDecision: Decision;
  logger?: PolicyCacheLogger;
}

// Before the first load every tool is denied, whatever POLICY_DEFAULT says (fail closed).
const NOTHING_LOADED = CompiledPolicySet.compile([], { version: -1, defaultDecision: 'deny' });

/** Redis channel name for policy-set change announcements under a key prefix. */
export function policyChannel(keyPrefix: string): string {
  return `${keyPrefix}policy-set:changed`;
}

/**
 * In-memory compiled policy set that follows the database (announcements, polling, last good set
 * while the source is unreachable, coalesced reloads, `ensureVersion` for read-your-writes: see
 * VersionFollower). Until a first set is loaded, every tool resolves to deny (fail closed).
 */
export class PolicyCache extends VersionFollower<Policy[], CompiledPolicySet> {
  constructor(source: PolicySetSource, subscriber: Redis, options: PolicyCacheOptions) {
    super(
      {
        currentVersion: () => source.currentVersion(),
        load: async () => {
          const { version, policies } = await source.loadSet();
          return { version, data: policies };
        },
      },
      subscriber,
      {
        channel: options.channel,
        pollIntervalMs: options.pollIntervalMs,
        label: 'policy set',
        build: (policies, version) =>
          CompiledPolicySet.compileAsync(policies, {
            version,
            defaultDecision: options.defaultDecision,
          }),
        describe: (set) => ({ policies: set.size }),
        logger: options.logger,
      },
    );
  }

  resolve(tool: string): Resolution {
    return (this.value ?? NOTHING_LOADED).resolve(tool);
  }
}
