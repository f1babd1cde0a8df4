import { Minimatch, minimatch, type MinimatchOptions } from 'minimatch';

/**
 * The one set of minimatch options used by the compiled index, the naive
 * reference and validation, so that all three agree on what a pattern means.
 *
 * What a `match_pattern` means, for a qualified tool name `<upstream>.<tool>`
 * (letters, digits, `-`, `_`, `.`; never a `/`, so the whole name is a single
 * path portion to minimatch):
 *
 * - `*` matches any run of characters, including `.`, so `github.*` matches
 *   `github.create_issue` and `*` matches every tool. `dot: true` lets it match
 *   a leading `.` too, but, as in every glob, a lone `*` or `?` never matches
 *   the names `.` and `..`. `**` behaves like `*`.
 * - `?` matches one character; `[abc]`, `[a-z]`, `[!a]`, `[^a]` and
 *   `[[:alpha:]]` match one character of (or not of) a class.
 * - `{a,b}` and `{1..3}` expand before matching: `{github,gitlab}.*` is
 *   `github.*` or `gitlab.*`; `{,x}` is bash's (a leading empty alternative is
 *   dropped at the top level, so it is just `x`).
 * - A leading `!` negates (`nonegate: false`): `!admin.*` matches every tool
 *   outside `admin`. `!!x` is `x`. Because of this, `!(...)` at the very start
 *   is a negation of `(...)`, not an extglob.
 * - Extglobs are on (`noext: false`): `@(a|b)`, `?(a)`, `*(a)`, `+(a)`, and
 *   `!(a)` anywhere but at the start.
 * - `#` has no special meaning (`nocomment: true`): an operator writing `#x`
 *   means the tool `#x`, never a comment that matches nothing.
 * - `\` escapes the next character: `\*` is a literal `*`.
 * - Matching is case-sensitive.
 *
 * minimatch 11 matches with a Thompson-NFA (`@isaacs/nonrecursive-glob-match`),
 * not a backtracking RegExp, so match time is polynomial in name and pattern
 * length; the limits in `PATTERN_LIMITS` keep the pattern side small.
 */
export const MATCH_OPTIONS: Readonly<MinimatchOptions> = Object.freeze({
  dot: true,
  nocomment: true,
  nonegate: false,
  noext: false,
});

/** Longest tool name the engine will match; longer names resolve to deny. */
export const MAX_TOOL_NAME_LENGTH = 256;

const TOOL_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * Whether `tool` is a name the engine matches at all. Names outside the tool
 * name alphabet (for instance with `/`, which minimatch would treat as a path
 * separator so `*` stops matching) are denied outright rather than slipping
 * past every pattern to a permissive default decision.
 */
export function isMatchableToolName(tool: string): boolean {
  return tool.length <= MAX_TOOL_NAME_LENGTH && TOOL_NAME.test(tool);
}

/** Matches one tool name against one pattern; what the naive reference uses. */
export function matchesPattern(tool: string, pattern: string): boolean {
  return minimatch(tool, pattern, MATCH_OPTIONS);
}

/** A reusable matcher for one pattern, with identical semantics to {@link matchesPattern}. */
export type ToolMatcher = (tool: string) => boolean;

/** What minimatch 11 puts in `Minimatch#set` for a magic path portion. */
interface PortionMatcher {
  testUnchecked(portion: string): boolean;
}

/**
 * Compiles `pattern` once; throws whatever minimatch throws for it.
 *
 * `Minimatch#match` splits its input on `/` and runs path-walk bookkeeping on
 * every call. A tool name is one path portion, so when every expanded
 * alternative of the pattern is a single portion (a literal or a portion
 * matcher), the portions are tested directly, exactly as `match` does for a
 * one-portion path; anything else (globstar rows, names containing `/`, a
 * future minimatch with different internals) goes through `match` itself.
 */
export function compileToolMatcher(pattern: string): ToolMatcher {
  const mm = new Minimatch(pattern, MATCH_OPTIONS);
  const portions = mm.empty || mm.comment ? undefined : singlePortions(mm.set);
  if (!portions) {
    return (tool) => mm.match(tool);
  }
  const negate = mm.negate;
  return (tool) => {
    if (tool === '' || tool.includes('/')) {
      return mm.match(tool);
    }
    for (const p of portions) {
      if (typeof p === 'string' ? p === tool : p.testUnchecked(tool)) {
        return !negate;
      }
    }
    return negate;
  };
}

function singlePortions(
  set: readonly (readonly unknown[])[],
): (string | PortionMatcher)[] | undefined {
  const portions: (string | PortionMatcher)[] = [];
  for (const row of set) {
    const p = row.length === 1 ? row[0] : undefined;
    if (typeof p === 'string') {
      portions.push(p);
    } else if (isPortionMatcher(p)) {
      portions.push(p);
    } else {
      return undefined;
    }
  }
  return portions;
}

function isPortionMatcher(p: unknown): p is PortionMatcher {
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof (p as Partial<PortionMatcher>).testUnchecked === 'function'
  );
}
