import { countBraceAlternatives, SATURATED } from './brace-alternatives.counter';

/**
 * Limits that keep a single match pattern cheap to compile and to match.
 * Brace expansion is exponential in the number of groups, so it is bounded
 * here by counting, before minimatch ever expands anything.
 */
export const PATTERN_LIMITS = Object.freeze({
  maxLength: 512,
  maxAlternatives: 256,
  maxBraceDepth: 5,
  maxStars: 32,
  maxExtglobs: 8,
});

const BACKSLASH = 0x5c;
const STAR = 0x2a;
const OPEN_PAREN = 0x28;
const EXTGLOB_OPENERS = new Set([...'+@!?*'].map((c) => c.charCodeAt(0)));

/**
 * Checks the cost bounds of a match pattern.
 *
 * @returns a human-readable problem, or null when the pattern is within bounds.
 */
export function checkPatternComplexity(pattern: string): string | null {
  const L = PATTERN_LIMITS;
  if (pattern.length > L.maxLength) {
    return `must be at most ${L.maxLength} characters`;
  }
  let stars = 0;
  let extglobs = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === BACKSLASH) {
      i++;
      continue;
    }
    if (c === STAR) {
      stars++;
    }
    if (EXTGLOB_OPENERS.has(c) && pattern.charCodeAt(i + 1) === OPEN_PAREN) {
      extglobs++;
    }
  }
  if (stars > L.maxStars) {
    return `has ${stars} '*' wildcards; at most ${L.maxStars} are allowed`;
  }
  if (extglobs > L.maxExtglobs) {
    return `has ${extglobs} extglob groups such as '@(...)'; at most ${L.maxExtglobs} are allowed`;
  }
  const count =
    pattern.includes('{') || pattern.includes('}')
      ? countBraceAlternatives(pattern, L.maxBraceDepth)
      : 1;
  if (typeof count === 'string') {
    return count;
  }
  if (count > L.maxAlternatives) {
    const shown = count >= SATURATED ? 'more than a billion' : String(count);
    return `brace expansion yields ${shown} alternatives; at most ${L.maxAlternatives} are allowed`;
  }
  return null;
}
