import type { Policy } from '@app/policy-engine';

/** A valid policy for tests: `type: none` unless `extra` says otherwise. */
export function aPolicy(
  name: string,
  pattern: string,
  priority: number,
  extra: Partial<Policy> = {},
): Policy {
  return {
    name,
    match_pattern: pattern,
    priority,
    enabled: true,
    description: '',
    auth_method: { type: 'none' },
    ...extra,
  };
}
