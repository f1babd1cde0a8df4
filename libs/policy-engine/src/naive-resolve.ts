import { isMatchableToolName, matchesPattern } from './pattern-matcher';
import { buildResolution, comparePolicies, unmatchableResolution } from './policy-resolution';
import type { CompileOptions, Policy, Resolution } from './policy.types';

/**
 * The reference model of resolution: test every enabled policy with
 * `minimatch(tool, pattern, MATCH_OPTIONS)`, sort the hits, take the first.
 * {@link CompiledPolicySet.resolve} must answer exactly the same; this exists
 * to check that (property tests, benchmark), not for the request path.
 */
export function naiveResolve(policies: Policy[], tool: string, opts: CompileOptions): Resolution {
  if (!isMatchableToolName(tool)) {
    return unmatchableResolution(tool, opts.version);
  }
  const candidates = policies.filter((p) => p.enabled && matchesPattern(tool, p.match_pattern));
  candidates.sort(comparePolicies);
  return buildResolution(tool, candidates, opts);
}
