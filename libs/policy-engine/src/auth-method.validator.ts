import { checkString, fieldPath, isJsonObject, own, type JsonObject } from './field-checks';
import {
  AUTH_METHOD_TYPES,
  type AuthMethod,
  type AuthMethodType,
  type FieldError,
  type Validated,
} from './policy.types';

/** Bounds on auth method fields; they are stored and echoed, so they are kept modest. */
export const AUTH_METHOD_LIMITS = Object.freeze({
  maxRefLength: 200,
  maxScopes: 100,
  maxScopeLength: 512,
});

type AuthMethodField = 'provider' | 'scopes' | 'key_ref' | 'account_ref';

/** The fields each type carries besides `type`; anything else is an error. */
const FIELDS_BY_TYPE: Readonly<Record<AuthMethodType, readonly AuthMethodField[]>> = {
  oauth: ['provider', 'scopes'],
  device_code: ['provider', 'scopes'],
  api_key: ['key_ref'],
  service_account: ['account_ref'],
  none: [],
  deny: [],
};
const KNOWN_FIELDS = new Set<string>(['type', 'provider', 'scopes', 'key_ref', 'account_ref']);
const REF_RULE = { required: true, maxLength: AUTH_METHOD_LIMITS.maxRefLength };

export function isAuthMethodType(value: unknown): value is AuthMethodType {
  return typeof value === 'string' && (AUTH_METHOD_TYPES as readonly string[]).includes(value);
}

/**
 * Validates an auth method and normalizes it to exactly the fields of its
 * type (`scopes` defaults to `[]` for oauth and device_code).
 *
 * @param field path of the auth method itself, e.g. `auth_policies[2].auth_method`.
 */
export function validateAuthMethod(input: unknown, field: string): Validated<AuthMethod> {
  if (!isJsonObject(input)) {
    return { ok: false, errors: [{ field, message: 'must be an object' }] };
  }
  const errors: FieldError[] = [];
  const type = own(input, 'type');
  if (!isAuthMethodType(type)) {
    const message =
      type === undefined ? 'is required' : `must be one of ${AUTH_METHOD_TYPES.join(', ')}`;
    errors.push({ field: fieldPath(field, 'type'), message });
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(key)) {
      errors.push({ field: fieldPath(field, key), message: 'unknown field' });
    } else if (
      isAuthMethodType(type) &&
      key !== 'type' &&
      !FIELDS_BY_TYPE[type].includes(key as AuthMethodField)
    ) {
      errors.push({ field: fieldPath(field, key), message: `is not allowed for type ${type}` });
    }
  }
  if (!isAuthMethodType(type)) {
    return { ok: false, errors };
  }
  const method = buildMethod(type, input, field, errors);
  return errors.length > 0 || method === undefined
    ? { ok: false, errors }
    : { ok: true, value: method };
}

function buildMethod(
  type: AuthMethodType,
  input: JsonObject,
  field: string,
  errors: FieldError[],
): AuthMethod | undefined {
  const ref = (key: 'provider' | 'key_ref' | 'account_ref') =>
    checkString(own(input, key), fieldPath(field, key), REF_RULE, errors);
  switch (type) {
    case 'oauth':
    case 'device_code': {
      // Both checked, so one answer lists every problem; a missing ref means no method.
      const provider = ref('provider');
      const scopes = checkScopes(own(input, 'scopes'), field, errors);
      return provider === undefined ? undefined : { type, provider, scopes };
    }
    case 'api_key': {
      const keyRef = ref('key_ref');
      return keyRef === undefined ? undefined : { type, key_ref: keyRef };
    }
    case 'service_account': {
      const accountRef = ref('account_ref');
      return accountRef === undefined ? undefined : { type, account_ref: accountRef };
    }
    case 'none':
    case 'deny':
      return { type };
  }
}

function checkScopes(value: unknown, field: string, errors: FieldError[]): string[] {
  const path = fieldPath(field, 'scopes');
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    errors.push({ field: path, message: 'must be an array of strings' });
    return [];
  }
  if (value.length > AUTH_METHOD_LIMITS.maxScopes) {
    errors.push({
      field: path,
      message: `must have at most ${AUTH_METHOD_LIMITS.maxScopes} entries`,
    });
    return [];
  }
  const rule = { required: true, maxLength: AUTH_METHOD_LIMITS.maxScopeLength };
  const scopes: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const scope: unknown = value[i];
    if (typeof scope !== 'string') {
      errors.push({ field: `${path}[${i}]`, message: 'must be a string' });
      continue;
    }
    const ok = checkString(scope, `${path}[${i}]`, rule, errors);
    if (ok !== undefined) {
      scopes.push(ok);
    }
  }
  return scopes;
}
