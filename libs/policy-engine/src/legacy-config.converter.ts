import { normalizeLegacyMethod } from './legacy-auth-method';
import { fieldPath, isJsonObject, own, rejectUnknownFields, type JsonObject } from './field-checks';
import type { AuthMethod, FieldError, Policy, Validated } from './policy.types';
import { validatePolicy } from './policy.validator';

/** Priorities of the converted tiers: tool level > capability level > server level. */
export const LEGACY_PRIORITIES = Object.freeze({ server: 1000, capability: 2000, tool: 3000 });

const TIERS = ['server_level', 'capabilities', 'tools'] as const;
// `enabled` is the predecessor's on/off switch for the whole auth block.
const BLOCK_FIELDS = new Set<string>([...TIERS, 'enabled']);
/** Ranks within a tier stay below the next tier's base. */
const MAX_ENTRIES_PER_TIER = 999;
const MAX_KEY_LENGTH = 150;
const KEY_CHARS = /^[A-Za-z0-9._-]+$/;

/** Whether a parsed document is in the predecessor's three-tier shape rather than `{ auth_policies }`. */
export function isLegacyAuthConfig(doc: unknown): boolean {
  if (!isJsonObject(doc) || Object.hasOwn(doc, 'auth_policies')) {
    return false;
  }
  return Object.hasOwn(doc, 'auth') || TIERS.some((tier) => Object.hasOwn(doc, tier));
}

/**
 * Converts the predecessor's hierarchical auth config into flat policies (see
 * the package README): `server_level` becomes `*`, each capability `cap`
 * becomes `cap{.,_,-}*`, each tool `t` becomes `{t,*.t}`, and priorities keep
 * tool > capability > server, with longer capability (and tool) names above
 * shorter ones. Accepts `{ auth: {...} }` (other top-level keys, the rest of
 * the old config file, are ignored) or the three tiers at the top level.
 */
export function convertLegacyAuthConfig(doc: unknown): Validated<Policy[]> {
  const wrapped = isJsonObject(doc) && Object.hasOwn(doc, 'auth');
  const base = wrapped ? 'auth' : '';
  const block = wrapped ? own(doc, 'auth') : doc;
  if (!isJsonObject(block)) {
    return { ok: false, errors: [{ field: base || 'body', message: 'must be an object' }] };
  }
  const errors: FieldError[] = [];
  rejectUnknownFields(block, BLOCK_FIELDS, base, errors);
  const enabled = own(block, 'enabled');
  if (enabled !== undefined && typeof enabled !== 'boolean') {
    errors.push({ field: fieldPath(base, 'enabled'), message: 'must be a boolean' });
  }
  // `enabled: false` imports the policies switched off (so POLICY_DEFAULT applies) rather than
  // dropping them: the operator's intent is kept without anything becoming silently allowed.
  const policyEnabled = enabled !== false;
  const policies: Policy[] = [];
  const emit = (field: string, name: string, pattern: string, priority: number, raw: unknown) => {
    const method = normalizeLegacyMethod(raw, field, errors);
    if (method) {
      policies.push(...toPolicy(field, name, pattern, priority, method, policyEnabled, errors));
    }
  };
  const server = own(block, 'server_level');
  if (server !== undefined && server !== null) {
    emit(
      fieldPath(base, 'server_level'),
      'legacy: server level',
      '*',
      LEGACY_PRIORITIES.server,
      server,
    );
  }
  const caps = tierEntries(block, 'capabilities', base, errors);
  caps.forEach(([cap, raw], rank) => {
    const field = fieldPath(fieldPath(base, 'capabilities'), cap);
    emit(
      field,
      `legacy: capability ${cap}`,
      `${cap}{.,_,-}*`,
      LEGACY_PRIORITIES.capability + rank,
      raw,
    );
  });
  const tools = tierEntries(block, 'tools', base, errors);
  tools.forEach(([tool, raw], rank) => {
    const field = fieldPath(fieldPath(base, 'tools'), tool);
    emit(field, `legacy: tool ${tool}`, `{${tool},*.${tool}}`, LEGACY_PRIORITIES.tool + rank, raw);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: policies };
}

/** A tier's valid entries, least specific first (shorter name, then later in code unit order). */
function tierEntries(
  block: JsonObject,
  tier: string,
  base: string,
  errors: FieldError[],
): [string, unknown][] {
  const field = fieldPath(base, tier);
  const map = own(block, tier);
  if (map === undefined || map === null) {
    return [];
  }
  if (!isJsonObject(map)) {
    errors.push({ field, message: 'must be a mapping of names to auth methods' });
    return [];
  }
  const keys = Object.keys(map);
  if (keys.length > MAX_ENTRIES_PER_TIER) {
    errors.push({ field, message: `must have at most ${MAX_ENTRIES_PER_TIER} entries` });
    return [];
  }
  const valid = keys.filter((key) => {
    const ok = KEY_CHARS.test(key) && key.length <= MAX_KEY_LENGTH;
    if (!ok) {
      const message = `name must be 1-${MAX_KEY_LENGTH} letters, digits, '.', '_' or '-'`;
      errors.push({ field: fieldPath(field, key), message });
    }
    return ok;
  });
  valid.sort((a, b) => a.length - b.length || (a < b ? 1 : a > b ? -1 : 0));
  return valid.map((key) => [key, map[key]]);
}

function toPolicy(
  field: string,
  name: string,
  pattern: string,
  priority: number,
  method: AuthMethod,
  enabled: boolean,
  errors: FieldError[],
): Policy[] {
  const input = {
    name,
    match_pattern: pattern,
    priority,
    enabled,
    description: `Converted from legacy config ${field}`,
    auth_method: method,
  };
  const result = validatePolicy(input);
  if (result.ok) {
    return [result.value];
  }
  // The generated fields are within limits by construction; surface anything else against the source entry.
  errors.push(...result.errors.map((e) => ({ field, message: `${e.field} ${e.message}` })));
  return [];
}
