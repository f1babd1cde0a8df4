import { braceExpand } from 'minimatch';
import { MATCH_OPTIONS } from './pattern-matcher';

/**
 * Where a pattern is filed in the compiled index. Every key is a necessary
 * condition for a match, never a sufficient one, except `exact`.
 *
 * - `exact`: an alternative with no magic at all; the tool must equal `text`,
 *   and equality is a match (no matcher needed).
 * - `prefix`: the tool must start with `text`.
 * - `suffix`: the tool must end with `text` (for `*.admin_tool`-style patterns).
 * - `root`: nothing is known; the pattern is tested against every tool.
 */
export type IndexKey =
  | { kind: 'exact'; text: string }
  | { kind: 'prefix'; text: string }
  | { kind: 'suffix'; text: string }
  | { kind: 'root' };

const ROOT: readonly IndexKey[] = Object.freeze([{ kind: 'root' } as const]);

/**
 * Characters that may start glob syntax. Stopping at any of them is
 * conservative: a shorter literal prefix only widens the candidate list.
 * `\` is included so escapes never need interpreting here.
 */
const MAGIC = new Set('*?[]{}()|+@!\\/');

// minimatch leaves numeric ranges of at least 100 values unexpanded and hands
// them to its matcher, so only ranges below that are safe to expand here.
const LARGE_RANGE = /(?<![\\$])\{(-?\d+)\.\.(-?\d+)\}/g;
const RANGE_MIN = 100;

/**
 * The index keys of a pattern that already passed `checkPatternComplexity`
 * (so its brace expansion is small). One key per distinct alternative, or a
 * single `root` key when any alternative gives nothing to index on.
 */
export function indexKeysFor(pattern: string): readonly IndexKey[] {
  if (pattern.startsWith('!') || (pattern.includes('..') && hasLargeRange(pattern))) {
    return ROOT;
  }
  const keys: IndexKey[] = [];
  const alternatives = pattern.includes('{')
    ? new Set(braceExpand(pattern, MATCH_OPTIONS))
    : [pattern];
  for (const alt of alternatives) {
    const key = keyForAlternative(alt);
    if (key.kind === 'root') {
      return ROOT;
    }
    keys.push(key);
  }
  return keys.length > 0 ? keys : ROOT;
}

function keyForAlternative(alt: string): IndexKey {
  if (alt.includes('/')) {
    return { kind: 'root' };
  }
  let end = 0;
  while (end < alt.length && !MAGIC.has(alt[end])) {
    end++;
  }
  if (end === alt.length) {
    return { kind: 'exact', text: alt };
  }
  if (end > 0) {
    return { kind: 'prefix', text: alt.slice(0, end) };
  }
  const suffix = literalSuffix(alt);
  return suffix ? { kind: 'suffix', text: suffix } : { kind: 'root' };
}

/**
 * The literal tail of an alternative, or '' when it might not be literal: an
 * unclosed `[` or `(` could, depending on the matcher, swallow what follows.
 */
function literalSuffix(alt: string): string {
  if (alt.lastIndexOf('[') > alt.lastIndexOf(']')) {
    return '';
  }
  if (alt.lastIndexOf('(') > alt.lastIndexOf(')')) {
    return '';
  }
  let start = alt.length;
  while (start > 0 && !MAGIC.has(alt[start - 1])) {
    start--;
  }
  return alt.slice(start);
}

function hasLargeRange(pattern: string): boolean {
  for (const m of pattern.matchAll(LARGE_RANGE)) {
    if (Math.abs(Number(m[1]) - Number(m[2])) + 1 >= RANGE_MIN) {
      return true;
    }
  }
  return false;
}
