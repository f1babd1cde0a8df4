import { isAuthMethodType, validateAuthMethod } from './auth-method.validator';
import { fieldPath, isJsonObject, own, type JsonObject } from './field-checks';
import type { AuthMethod, FieldError } from './policy.types';

const SHAPE_HINT =
  'must be an auth method, either {type: oauth, provider: ..., scopes: [...]} or {oauth: {provider: ..., scopes: [...]}}';

/**
 * Reads an auth method in either shape the predecessor accepted: tagged
 * (`{type: oauth, provider, scopes}`) or keyed (`{oauth: {provider, scopes}}`).
 * For oauth and device_code only `provider` and `scopes` are kept: the old
 * config also carried provider settings there (`client_id`, ...), which now
 * live in provider configuration and are dropped. Other types are strict.
 */
export function normalizeLegacyMethod(
  raw: unknown,
  field: string,
  errors: FieldError[],
): AuthMethod | undefined {
  if (!isJsonObject(raw)) {
    errors.push({ field, message: SHAPE_HINT });
    return undefined;
  }
  let type: unknown;
  let body: JsonObject;
  let bodyField = field;
  if (Object.hasOwn(raw, 'type')) {
    type = own(raw, 'type');
    body = raw;
  } else {
    const keys = Object.keys(raw);
    if (keys.length !== 1 || !isAuthMethodType(keys[0])) {
      errors.push({ field, message: SHAPE_HINT });
      return undefined;
    }
    type = keys[0];
    bodyField = fieldPath(field, keys[0]);
    const inner = own(raw, keys[0]);
    if (inner !== null && inner !== undefined && !isJsonObject(inner)) {
      errors.push({ field: bodyField, message: 'must be an object' });
      return undefined;
    }
    body = inner ?? {};
  }
  const result = validateAuthMethod(candidateFor(type, body), bodyField);
  if (result.ok) {
    return result.value;
  }
  errors.push(...result.errors);
  return undefined;
}

function candidateFor(type: unknown, body: JsonObject): JsonObject {
  if (type !== 'oauth' && type !== 'device_code') {
    return { ...body, type };
  }
  const candidate: JsonObject = { type };
  for (const key of ['provider', 'scopes']) {
    if (Object.hasOwn(body, key)) {
      candidate[key] = body[key];
    }
  }
  return candidate;
}
