/** Deepest nesting of objects and arrays accepted in a document or request body. */
export const MAX_NESTING_DEPTH = 32;

/**
 * Whether a parsed JSON/YAML value nests objects or arrays deeper than `maxDepth` (a scalar is
 * depth 0, `{}` depth 1). Iterative, so the check itself cannot overflow the stack that
 * recursive consumers (JSON.stringify, merge patch, validators) would.
 */
export function exceedsDepth(value: unknown, maxDepth = MAX_NESTING_DEPTH): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') {
      continue;
    }
    if (depth + 1 > maxDepth) {
      return true;
    }
    for (const child of Object.values(current as Record<string, unknown>)) {
      stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
