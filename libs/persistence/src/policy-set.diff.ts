import type { Policy } from '@app/policy-engine';

export interface PolicyChange {
  name: string;
  before: Policy;
  after: Policy;
  /** Fields whose value differs: name is the key, so never listed. */
  fields: (keyof Policy)[];
}

export interface PolicySetDiff {
  added: Policy[];
  removed: Policy[];
  changed: PolicyChange[];
  unchanged: number;
}

const COMPARED: (keyof Policy)[] = [
  'match_pattern',
  'priority',
  'enabled',
  'description',
  'auth_method',
];

/** Canonical JSON (sorted keys) so `{a,b}` and `{b,a}` compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** Difference between two policy sets, policies identified by name (names are unique). */
export function diffPolicySets(before: Policy[], after: Policy[]): PolicySetDiff {
  const previous = new Map(before.map((p) => [p.name, p]));
  const diff: PolicySetDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  const seen = new Set<string>();
  for (const next of after) {
    seen.add(next.name);
    const old = previous.get(next.name);
    if (!old) {
      diff.added.push(next);
      continue;
    }
    const fields = COMPARED.filter((field) => canonical(old[field]) !== canonical(next[field]));
    if (fields.length === 0) {
      diff.unchanged += 1;
    } else {
      diff.changed.push({ name: next.name, before: old, after: { ...next, id: old.id }, fields });
    }
  }
  for (const old of before) {
    if (!seen.has(old.name)) {
      diff.removed.push(old);
    }
  }
  return diff;
}

export function isEmptyDiff(diff: PolicySetDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length === 0;
}
