/**
 * RFC 7396 JSON Merge Patch: objects merge recursively, `null` removes, anything else replaces.
 * Members are own data properties only: a `__proto__`, `constructor` or `prototype` key in the
 * patch is an ordinary (and, for our schemas, unknown) field — never the object's prototype.
 * Callers bound the patch's depth first (the admin app refuses bodies nested too deep).
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    return patch;
  }
  const result: Record<string, unknown> = {};
  if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
    for (const [key, value] of Object.entries(target)) {
      define(result, key, value);
    }
  }
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) {
      delete result[key];
    } else {
      define(result, key, mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
    }
  }
  return result;
}

function define(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
