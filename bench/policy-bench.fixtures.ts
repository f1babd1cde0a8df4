import type { AuthMethod, Policy } from '../libs/policy-engine/src';

/** mulberry32: a tiny seeded PRNG, so every run measures the same sets and names. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERBS = ['get', 'list', 'create', 'update', 'delete', 'search'];
const NOUNS = ['issue', 'repo', 'user', 'file', 'event', 'sheet'];
const METHODS: AuthMethod[] = [
  { type: 'oauth', provider: 'github', scopes: ['repo'] },
  { type: 'device_code', provider: 'github_headless', scopes: [] },
  { type: 'api_key', key_ref: 'admin_key' },
  { type: 'service_account', account_ref: 'deploy' },
  { type: 'none' },
];

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)];

/** Per-upstream policies in realistic proportions, plus three unanchored catch-alls. */
export function makePolicies(
  count: number,
  seed: number,
): { policies: Policy[]; upstreams: number } {
  const rnd = seededRandom(seed);
  const catchAlls = ['*', '*.admin_*', '*_internal'];
  const upstreams = Math.max(1, Math.ceil((count - catchAlls.length) / 5));
  const patterns: string[] = [...catchAlls];
  for (let u = 0; patterns.length < count; u++) {
    const up = `upstream${u % upstreams}`;
    const kind = Math.floor(u / upstreams) % 5;
    if (kind === 0) {
      patterns.push(`${up}.*`);
    } else if (kind === 1) {
      patterns.push(`${up}.${pick(rnd, VERBS)}_*`);
    } else if (kind === 2) {
      patterns.push(`${up}.{${pick(rnd, VERBS)},${pick(rnd, VERBS)}}_*`);
    } else if (kind === 3) {
      patterns.push(`${up}.${pick(rnd, VERBS)}_${pick(rnd, NOUNS)}`);
    } else {
      patterns.push(`${up}.${pick(rnd, VERBS)}_${pick(rnd, NOUNS)}*`);
    }
  }
  const policies = patterns.slice(0, count).map((match_pattern, i): Policy => ({
    name: `policy ${i}`,
    match_pattern,
    // catch-alls lowest; otherwise the later (more specific kinds) higher
    priority: i < catchAlls.length ? -1000 + i : i,
    enabled: rnd() > 0.05,
    description: '',
    auth_method: pick(rnd, METHODS),
  }));
  return { policies, upstreams };
}

/**
 * `n` distinct names under configured upstreams (hits) or unknown ones
 * (misses: only catch-alls match). Half carry a numeric suffix, the rest can
 * equal exact-name policies.
 */
export function makeToolNames(n: number, upstreams: number, hit: boolean, seed: number): string[] {
  const rnd = seededRandom(seed);
  const names = new Set<string>();
  for (let i = 0; names.size < n && i < n * 20; i++) {
    const upstream = hit
      ? `upstream${Math.floor(rnd() * upstreams)}`
      : `unknown${Math.floor(rnd() * 1000)}`;
    const suffix = rnd() < 0.5 || i >= n * 10 ? String(i) : '';
    names.add(`${upstream}.${pick(rnd, VERBS)}_${pick(rnd, NOUNS)}${suffix}`);
  }
  return [...names];
}
