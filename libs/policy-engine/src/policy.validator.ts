import { validateAuthMethod } from './auth-method.validator';
import {
  checkString,
  unstorableText,
  fieldPath,
  isJsonObject,
  own,
  rejectUnknownFields,
  trimPrefix,
} from './field-checks';
import { DuplicatePolicyTracker } from './duplicate-policy.tracker';
import { checkMatchPattern } from './match-pattern.validator';
import type { FieldError, Policy, Validated } from './policy.types';

/** Bounds on policy fields (priority is a Postgres `integer`). */
export const POLICY_LIMITS = Object.freeze({
  maxNameLength: 200,
  maxDescriptionLength: 2000,
  minPriority: -(2 ** 31),
  maxPriority: 2 ** 31 - 1,
});

const POLICY_FIELDS = new Set([
  'name',
  'match_pattern',
  'priority',
  'enabled',
  'description',
  'auth_method',
]);
const DOCUMENT_FIELDS = new Set(['auth_policies']);

/**
 * Validates one policy as an operator wrote it and fills in defaults
 * (`enabled: true`, `description: ''`, `scopes: []`). Every problem is
 * reported, each against its field path.
 *
 * @param fieldPrefix prepended to every field path, e.g. `auth_policies[3]`.
 *   A bare non-object input is reported against the prefix, or `body`.
 */
export function validatePolicy(input: unknown, fieldPrefix?: string): Validated<Policy> {
  const prefix = trimPrefix(fieldPrefix);
  if (!isJsonObject(input)) {
    return { ok: false, errors: [{ field: prefix || 'body', message: 'must be an object' }] };
  }
  const errors: FieldError[] = [];
  rejectUnknownFields(input, POLICY_FIELDS, prefix, errors);
  const at = (key: string) => fieldPath(prefix, key);
  const name = checkString(
    own(input, 'name'),
    at('name'),
    { required: true, maxLength: POLICY_LIMITS.maxNameLength },
    errors,
  );
  const pattern = checkMatchPattern(own(input, 'match_pattern'), at('match_pattern'), errors);
  const priority = checkPriority(own(input, 'priority'), at('priority'), errors);
  const enabled = own(input, 'enabled') ?? true;
  if (typeof enabled !== 'boolean') {
    errors.push({ field: at('enabled'), message: 'must be a boolean' });
  }
  const description = own(input, 'description') ?? '';
  if (typeof description !== 'string') {
    errors.push({ field: at('description'), message: 'must be a string' });
  } else if (description.length > POLICY_LIMITS.maxDescriptionLength) {
    errors.push({
      field: at('description'),
      message: `must be at most ${POLICY_LIMITS.maxDescriptionLength} characters`,
    });
  } else if (unstorableText(description)) {
    errors.push({ field: at('description'), message: 'must not contain NUL or invalid Unicode' });
  }
  const rawMethod = own(input, 'auth_method');
  const method =
    rawMethod === undefined ? undefined : validateAuthMethod(rawMethod, at('auth_method'));
  if (!method) {
    errors.push({ field: at('auth_method'), message: 'is required' });
  } else if (!method.ok) {
    errors.push(...method.errors);
  }
  const complete =
    name !== undefined && pattern !== undefined && priority !== undefined && method?.ok;
  if (errors.length > 0 || !complete) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    value: {
      name,
      match_pattern: pattern,
      priority,
      enabled: enabled as boolean,
      description: description as string,
      auth_method: method.value,
    },
  };
}

/**
 * Validates a policy document `{ auth_policies: [...] }`: each entry as
 * {@link validatePolicy} does, plus unique names and unique priorities across
 * entries (a repeat is reported on the later entry).
 */
export function validatePolicyDocument(input: unknown): Validated<Policy[]> {
  if (!isJsonObject(input)) {
    return { ok: false, errors: [{ field: 'body', message: 'must be an object' }] };
  }
  const errors: FieldError[] = [];
  rejectUnknownFields(input, DOCUMENT_FIELDS, '', errors);
  const list = own(input, 'auth_policies');
  if (list === undefined) {
    errors.push({ field: 'auth_policies', message: 'is required' });
  } else if (!Array.isArray(list)) {
    errors.push({ field: 'auth_policies', message: 'must be an array' });
  }
  if (!Array.isArray(list)) {
    return { ok: false, errors };
  }
  const policies: Policy[] = [];
  const duplicates = new DuplicatePolicyTracker();
  for (let i = 0; i < list.length; i++) {
    const result = validatePolicy(list[i], `auth_policies[${i}]`);
    if (result.ok) {
      policies.push(result.value);
    } else {
      errors.push(...result.errors);
    }
    errors.push(...duplicates.check(list[i], i));
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: policies };
}

function checkPriority(value: unknown, field: string, errors: FieldError[]): number | undefined {
  const { minPriority: min, maxPriority: max } = POLICY_LIMITS;
  if (value === undefined) {
    errors.push({ field, message: 'is required' });
  } else if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    errors.push({ field, message: 'must be an integer' });
  } else if (value < min || value > max) {
    errors.push({ field, message: `must be between ${min} and ${max}` });
  } else {
    return value;
  }
  return undefined;
}
