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

/** Counts saturate here so products of many groups stay finite numbers. */
const SATURATED = 1e9;

const NUMERIC_SEQUENCE = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/;
const ALPHA_SEQUENCE = /^([a-zA-Z])\.\.([a-zA-Z])(?:\.\.(-?\d+))?$/;

class PatternTooComplex extends Error {}

/**
 * How many alternatives brace expansion of `pattern` yields, computed without
 * expanding. It never undercounts what `brace-expansion` produces for patterns
 * with balanced braces (it may overcount: bash drops empty alternatives), which
 * is all a safety bound needs. `\x` escapes `x`, as in minimatch.
 *
 * @returns the count, or a message when braces are unbalanced or nest too deep.
 */
export function countBraceAlternatives(pattern: string): number | string {
  const parser = new BraceCounter(pattern);
  try {
    return parser.count();
  } catch (err) {
    if (err instanceof PatternTooComplex) return err.message;
    throw err;
  }
}

/**
 * Checks the cost bounds of a match pattern.
 *
 * @returns a human-readable problem, or null when the pattern is within bounds.
 */
export function checkPatternComplexity(pattern: string): string | null {
  const L = PATTERN_LIMITS;
  if (pattern.length > L.maxLength) return `must be at most ${L.maxLength} characters`;
  let stars = 0;
  let extglobs = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '*') stars++;
    if ('+@!?*'.includes(c) && pattern[i + 1] === '(') extglobs++;
  }
  if (stars > L.maxStars) return `has ${stars} '*' wildcards; at most ${L.maxStars} are allowed`;
  if (extglobs > L.maxExtglobs) {
    return `has ${extglobs} extglob groups such as '@(...)'; at most ${L.maxExtglobs} are allowed`;
  }
  const count = countBraceAlternatives(pattern);
  if (typeof count === 'string') return count;
  if (count > L.maxAlternatives) {
    const shown = count >= SATURATED ? 'more than a billion' : String(count);
    return `brace expansion yields ${shown} alternatives; at most ${L.maxAlternatives} are allowed`;
  }
  return null;
}

/** Recursive descent over `{a,b}` groups; recursion depth is capped by maxBraceDepth. */
class BraceCounter {
  private pos = 0;

  constructor(private readonly src: string) {}

  count(): number {
    const n = this.sequence(0);
    if (this.pos < this.src.length) this.fail();
    return n;
  }

  /** A run of literals and groups, ending at `,` or `}` of the enclosing group. */
  private sequence(depth: number): number {
    let count = 1;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === '\\') {
        this.pos += 2;
      } else if (c === '{') {
        if (depth + 1 > PATTERN_LIMITS.maxBraceDepth) {
          throw new PatternTooComplex(`braces nest deeper than ${PATTERN_LIMITS.maxBraceDepth} levels`);
        }
        this.pos++;
        count = Math.min(SATURATED, count * this.group(depth + 1));
      } else if (c === '}' || (c === ',' && depth > 0)) {
        if (depth === 0) this.fail();
        return count;
      } else {
        this.pos++;
      }
    }
    if (depth > 0) this.fail();
    return count;
  }

  /** The body of a group; `pos` is just past its `{` and ends just past its `}`. */
  private group(depth: number): number {
    const start = this.pos;
    let total = 0;
    let commas = 0;
    for (;;) {
      total = Math.min(SATURATED, total + this.sequence(depth));
      if (this.src[this.pos] === '}') break;
      commas++;
      this.pos++;
    }
    const body = this.src.slice(start, this.pos);
    this.pos++;
    return commas > 0 ? total : (sequenceLength(body) ?? total);
  }

  private fail(): never {
    throw new PatternTooComplex("has unbalanced braces; write a literal brace as '\\{' or '\\}'");
  }
}

/** Values in a `{x..y}` or `{x..y..step}` range body, or undefined if it is not one. */
function sequenceLength(body: string): number | undefined {
  const numeric = NUMERIC_SEQUENCE.exec(body);
  const alpha = numeric ? null : ALPHA_SEQUENCE.exec(body);
  const m = numeric ?? alpha;
  if (!m) return undefined;
  const value = (s: string) => (numeric ? parseInt(s, 10) : s.charCodeAt(0));
  const span = Math.abs(value(m[2]) - value(m[1]));
  const step = Math.max(Math.abs(m[3] === undefined ? 1 : parseInt(m[3], 10)), 1);
  const n = Math.floor(span / step) + 1;
  return Number.isFinite(n) ? Math.min(SATURATED, n) : SATURATED;
}
