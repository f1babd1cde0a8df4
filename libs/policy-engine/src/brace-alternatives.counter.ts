/** Counts saturate here so products of many groups stay finite numbers. */
export const SATURATED = 1e9;

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
export function countBraceAlternatives(pattern: string, maxDepth: number): number | string {
  const parser = new BraceCounter(pattern, maxDepth);
  try {
    return parser.count();
  } catch (err) {
    if (err instanceof PatternTooComplex) {
      return err.message;
    }
    throw err;
  }
}

/** Recursive descent over `{a,b}` groups; recursion depth is capped by `maxDepth`. */
class BraceCounter {
  private pos = 0;

  constructor(
    private readonly src: string,
    private readonly maxDepth: number,
  ) {}

  count(): number {
    const n = this.sequence(0);
    if (this.pos < this.src.length) {
      this.fail();
    }
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
        if (depth + 1 > this.maxDepth) {
          throw new PatternTooComplex(`braces nest deeper than ${this.maxDepth} levels`);
        }
        this.pos++;
        count = Math.min(SATURATED, count * this.group(depth + 1));
      } else if (c === '}' || (c === ',' && depth > 0)) {
        if (depth === 0) {
          this.fail();
        }
        return count;
      } else {
        this.pos++;
      }
    }
    if (depth > 0) {
      this.fail();
    }
    return count;
  }

  /** The body of a group; `pos` is just past its `{` and ends just past its `}`. */
  private group(depth: number): number {
    const start = this.pos;
    let total = 0;
    let commas = 0;
    for (;;) {
      total = Math.min(SATURATED, total + this.sequence(depth));
      if (this.src[this.pos] === '}') {
        break;
      }
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
  if (!m) {
    return undefined;
  }
  const value = (s: string) => (numeric ? parseInt(s, 10) : s.charCodeAt(0));
  const span = Math.abs(value(m[2]) - value(m[1]));
  const step = Math.max(Math.abs(m[3] === undefined ? 1 : parseInt(m[3], 10)), 1);
  const n = Math.floor(span / step) + 1;
  return Number.isFinite(n) ? Math.min(SATURATED, n) : SATURATED;
}
