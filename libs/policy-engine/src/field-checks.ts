import type { FieldError } from './policy.types';

/** A JSON/YAML object as parsed: unknown values under string keys. */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only: inherited names such as `constructor` are never fields. */
export function own(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** `prefix.key`, or `key` at the top level. */
export function fieldPath(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/** Normalizes a caller-supplied prefix such as `auth_policies[3].` to `auth_policies[3]`. */
export function trimPrefix(prefix: string | undefined): string {
  return (prefix ?? '').replace(/\.+$/, '');
}

/** Reports every key of `obj` not in `allowed`, in the object's key order. */
export function rejectUnknownFields(
  obj: JsonObject,
  allowed: ReadonlySet<string>,
  prefix: string,
  errors: FieldError[],
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) {
      errors.push({ field: fieldPath(prefix, key), message: 'unknown field' });
    }
  }
}

/**
 * Text Postgres cannot store (NUL, unpaired UTF-16 surrogates) is refused here, as a field error,
 * rather than as a database error later.
 */
export function unstorableText(value: string): boolean {
  return value.includes('\u0000') || LONE_SURROGATE.test(value);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Unicode format characters (category Cf: zero-width U+200B-U+200F, bidirectional overrides and
 * isolates U+202A-U+202E and U+2066-U+2069, U+2060, U+FEFF, ...): invisible, so `github\u200b.*`
 * would read as `github.*` and never match.
 */
export const FORMAT_CHARACTERS = /\p{Cf}/u;

export interface StringRule {
  required: boolean;
  maxLength: number;
}

/**
 * Checks a string field that, when present, must be non-blank and bounded.
 * @returns the string when it is valid, otherwise undefined (errors recorded).
 */
export function checkString(
  value: unknown,
  field: string,
  rule: StringRule,
  errors: FieldError[],
): string | undefined {
  if (value === undefined) {
    if (rule.required) {
      errors.push({ field, message: 'is required' });
    }
    return undefined;
  }
  if (typeof value !== 'string') {
    errors.push({ field, message: 'must be a string' });
    return undefined;
  }
  if (value.trim() === '') {
    errors.push({ field, message: 'must not be empty' });
    return undefined;
  }
  if (value.length > rule.maxLength) {
    errors.push({ field, message: `must be at most ${rule.maxLength} characters` });
    return undefined;
  }
  if (CONTROL_CHARACTERS.test(value) || unstorableText(value)) {
    errors.push({ field, message: 'must not contain control characters or invalid Unicode' });
    return undefined;
  }
  if (FORMAT_CHARACTERS.test(value)) {
    errors.push({
      field,
      message: 'must not contain invisible format characters (zero-width, bidirectional)',
    });
    return undefined;
  }
  return value;
}
