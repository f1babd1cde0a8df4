import { checkPatternComplexity } from './pattern-complexity';
import { indexKeysFor } from './pattern-index-keys';
import { PolicyEngineError } from './policy-engine.error';
import { PolicyIndex } from './policy-index';
import { comparePolicies, freezePolicy } from './policy-resolution';
import type { CompileOptions, Policy } from './policy.types';

/** What compiling produces: frozen policies in priority order, their index, normalized options. */
export interface BuiltSet {
  policies: readonly Policy[];
  index: PolicyIndex;
  opts: Required<CompileOptions>;
}

/** The compile work as small steps, so the async variant can pause between any two. */
export function* compileSteps(
  input: readonly Policy[],
  opts: CompileOptions,
): Generator<void, BuiltSet> {
  const normalized = normalizeOptions(opts);
  if (!Array.isArray(input)) {
    throw new PolicyEngineError('invalid_policy_set', 'policies must be an array');
  }
  const copies: Policy[] = [];
  for (const policy of input) {
    copies.push(copyChecked(policy));
    yield;
  }
  copies.sort(comparePolicies);
  yield;
  const index = new PolicyIndex();
  for (let rank = 0; rank < copies.length; rank++) {
    const policy = copies[rank];
    if (policy.enabled) {
      index.add({ rank, policy, seen: 0 }, indexKeysFor(policy.match_pattern));
    }
    yield;
  }
  return { policies: Object.freeze(copies), index, opts: normalized };
}

function copyChecked(policy: Policy): Policy {
  const ok =
    typeof policy === 'object' &&
    policy !== null &&
    typeof policy.name === 'string' &&
    typeof policy.match_pattern === 'string' &&
    typeof policy.priority === 'number' &&
    typeof policy.auth_method === 'object' &&
    policy.auth_method !== null;
  if (!ok) {
    throw new PolicyEngineError(
      'invalid_policy_set',
      'every policy needs a name, match_pattern, priority and auth_method',
    );
  }
  const problem = checkPatternComplexity(policy.match_pattern);
  if (problem) {
    throw new PolicyEngineError(
      'invalid_policy_set',
      `policy "${policy.name}": match_pattern ${problem}`,
    );
  }
  return freezePolicy(policy);
}

function normalizeOptions(opts: CompileOptions): Required<CompileOptions> {
  const defaultDecision = opts?.defaultDecision ?? 'deny';
  if (typeof opts?.version !== 'number' || !Number.isFinite(opts.version)) {
    throw new PolicyEngineError('invalid_compile_options', 'version must be a finite number');
  }
  if (defaultDecision !== 'allow' && defaultDecision !== 'deny') {
    throw new PolicyEngineError(
      'invalid_compile_options',
      "defaultDecision must be 'allow' or 'deny'",
    );
  }
  return { version: opts.version, defaultDecision };
}
