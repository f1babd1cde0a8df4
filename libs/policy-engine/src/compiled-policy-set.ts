import { isMatchableToolName } from './pattern-matcher';
import type { PolicyIndex, PolicyIndexStats } from './policy-index';
import { buildResolution, freezeResolution, unmatchableResolution } from './policy-resolution';
import { compileSteps, type BuiltSet } from './policy-set.compiler';
import type { CompileOptions, Decision, Policy, Resolution } from './policy.types';
import { BoundedCache } from './resolution-cache';

/** Options of {@link CompiledPolicySet.compileAsync}. */
export interface CompileAsyncOptions {
  /** Longest stretch of synchronous work, in ms, before yielding to the event loop. Default 8. */
  sliceMs?: number;
}

/** Most tool names whose resolution a set remembers. */
export const RESOLUTION_CACHE_SIZE = 10_000;

/**
 * An immutable, indexed policy set answering "which policy governs this tool".
 *
 * `resolve` gives exactly what {@link naiveResolve} gives for the same
 * policies, without testing every pattern: patterns are filed by literal
 * prefix (or suffix, or exact name) and only those that can match are run.
 * Answers are cached per tool name (bounded) and frozen, because cached
 * objects are shared between callers.
 */
export class CompiledPolicySet {
  /** Echoed in every resolution as `policy_set_version`. */
  readonly version: number;
  /** The decision when no enabled policy matches. */
  readonly defaultDecision: Decision;
  /** Every policy, disabled ones included, highest priority first; frozen copies. */
  readonly policies: readonly Policy[];
  private readonly index: PolicyIndex;
  private readonly opts: Required<CompileOptions>;
  private readonly cache = new BoundedCache<Resolution>(RESOLUTION_CACHE_SIZE);

  private constructor(built: BuiltSet) {
    this.policies = built.policies;
    this.index = built.index;
    this.opts = built.opts;
    this.version = built.opts.version;
    this.defaultDecision = built.opts.defaultDecision;
  }

  /** Number of policies in the set, disabled ones included. */
  get size(): number {
    return this.policies.length;
  }

  /** How the enabled policies are spread over the index (for diagnostics). */
  get indexStats(): PolicyIndexStats {
    return this.index.stats();
  }

  /**
   * Builds the set in one go. Input policies are copied, never mutated.
   *
   * @throws PolicyEngineError `invalid_policy_set` for a pattern beyond
   *   `PATTERN_LIMITS` (input that skipped `validatePolicy`), and
   *   `invalid_compile_options` for a bad version or default decision.
   */
  static compile(policies: readonly Policy[], opts: CompileOptions): CompiledPolicySet {
    const steps = compileSteps(policies, opts);
    let step = steps.next();
    while (!step.done) {
      step = steps.next();
    }
    return new CompiledPolicySet(step.value);
  }

  /**
   * Same result as {@link CompiledPolicySet.compile}, but yields to the event
   * loop (`setImmediate`) whenever `sliceMs` of work has been done, so a large
   * set can be rebuilt while the process keeps serving requests.
   */
  static async compileAsync(
    policies: readonly Policy[],
    opts: CompileOptions,
    { sliceMs = 8 }: CompileAsyncOptions = {},
  ): Promise<CompiledPolicySet> {
    const steps = compileSteps(policies, opts);
    let sliceStart = performance.now();
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) {
        return new CompiledPolicySet(step.value);
      }
      if (performance.now() - sliceStart >= sliceMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  }

  /** The policy governing `tool` (a qualified `<upstream>.<tool>` name). */
  resolve(tool: string): Resolution {
    const cached = this.cache.get(tool);
    if (cached) {
      return cached;
    }
    if (!isMatchableToolName(tool)) {
      return freezeResolution(unmatchableResolution(tool, this.version));
    }
    const candidates = this.index.matchingRanks(tool).map((rank) => this.policies[rank]);
    const resolution = freezeResolution(buildResolution(tool, candidates, this.opts));
    this.cache.set(tool, resolution);
    return resolution;
  }
}
