import { copyAuthMethod } from './auth-method.copy';
import type { CompileOptions, Policy, Resolution } from './policy.types';

/**
 * The one candidate order shared by the index and the naive reference:
 * priority descending, then name (code unit order), and otherwise input order
 * (callers sort stably). Validated policy sets have unique priorities, so the
 * tie-breaks only matter for sets that skipped validation.
 */
export function comparePolicies(a: Policy, b: Policy): number {
  if (a.priority !== b.priority) {
    return b.priority - a.priority;
  }
  if (a.name === b.name) {
    return 0;
  }
  return a.name < b.name ? -1 : 1;
}

/** Winner first: `deny` for a deny winner, `allow` for any other, else the default. */
export function buildResolution(
  tool: string,
  candidates: Policy[],
  opts: CompileOptions,
): Resolution {
  const winner = candidates[0] ?? null;
  const decision = winner
    ? winner.auth_method.type === 'deny'
      ? 'deny'
      : 'allow'
    : (opts.defaultDecision ?? 'deny');
  return {
    tool,
    decision,
    policy: winner,
    auth_method: winner ? winner.auth_method : null,
    candidates,
    policy_set_version: opts.version,
  };
}

/**
 * What a name outside the tool name alphabet (or too long) resolves to: deny,
 * whatever the default, since no policy can have been written for it.
 */
export function unmatchableResolution(tool: string, version: number): Resolution {
  return {
    tool,
    decision: 'deny',
    policy: null,
    auth_method: null,
    candidates: [],
    policy_set_version: version,
  };
}

/** A deep, frozen copy, so policies shared through cached resolutions cannot be altered. */
export function freezePolicy(p: Policy): Policy {
  const auth_method = copyAuthMethod(
    p.auth_method,
    (scopes) => Object.freeze([...scopes]) as string[],
  );
  const copy: Policy = {
    ...(p.id !== undefined && { id: p.id }),
    name: p.name,
    match_pattern: p.match_pattern,
    priority: p.priority,
    enabled: p.enabled,
    description: p.description,
    auth_method: Object.freeze(auth_method),
  };
  return Object.freeze(copy);
}

/** Freezes a resolution and its candidate list (the policies are frozen already). */
export function freezeResolution(r: Resolution): Resolution {
  Object.freeze(r.candidates);
  return Object.freeze(r);
}
