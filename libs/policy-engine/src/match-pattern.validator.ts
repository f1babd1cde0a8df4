import { Minimatch } from 'minimatch';
import { checkPatternComplexity, PATTERN_LIMITS } from './pattern-complexity';
import { MATCH_OPTIONS } from './pattern-matcher';
import type { FieldError } from './policy.types';

// Tool names never contain these, so a pattern containing one could only ever
// match by accident of negation; `/` would also make minimatch split the name.
const NEVER_IN_TOOL_NAMES = /[/\s\p{Cc}\p{Cf}]/u;

/**
 * Validates a `match_pattern`: a non-empty string within `PATTERN_LIMITS`,
 * that minimatch accepts. The cost limits are checked first, by counting, so
 * a hostile pattern is rejected before minimatch would expand it.
 *
 * @returns the pattern when valid, otherwise undefined (errors recorded).
 */
export function checkMatchPattern(
  value: unknown,
  field: string,
  errors: FieldError[],
): string | undefined {
  const problem = describeProblem(value);
  if (problem === null) {
    return value as string;
  }
  errors.push({ field, message: problem });
  return undefined;
}

function describeProblem(value: unknown): string | null {
  if (value === undefined) {
    return 'is required';
  }
  if (typeof value !== 'string') {
    return 'must be a string';
  }
  if (value === '') {
    return 'must not be empty';
  }
  if (value.length > PATTERN_LIMITS.maxLength) {
    return `must be at most ${PATTERN_LIMITS.maxLength} characters`;
  }
  if (NEVER_IN_TOOL_NAMES.test(value)) {
    return "must not contain '/', whitespace, control or invisible format characters";
  }
  const cost = checkPatternComplexity(value);
  if (cost !== null) {
    return cost;
  }
  try {
    new Minimatch(value, MATCH_OPTIONS);
  } catch (err) {
    return `is not a valid pattern: ${err instanceof Error ? err.message : String(err)}`;
  }
  return null;
}
