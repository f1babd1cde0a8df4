import { CST, Parser, parseDocument, stringify, type YAMLError } from 'yaml';
import { convertLegacyAuthConfig, isLegacyAuthConfig } from './legacy-config.converter';
import { exceedsDepth, MAX_NESTING_DEPTH } from './json-depth';
import { comparePolicies } from './policy-resolution';
import { copyAuthMethod } from './auth-method.copy';
import type { FieldError, Policy, Validated } from './policy.types';
import { validatePolicyDocument } from './policy.validator';

/** Formats a policy document can be written in. */
export type PolicyDocumentFormat = 'yaml' | 'json';

/** Largest accepted document, in UTF-8 bytes. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** Alias dereferences allowed while building a YAML document (stops "billion laughs"). */
export const MAX_YAML_ALIAS_COUNT = 100;
/** Parse problems reported per document; the first few are what an operator can act on. */
const MAX_PARSE_ERRORS = 10;

type Parsed = { ok: true; value: unknown } | { ok: false; errors: FieldError[] };

/**
 * Parses and validates a policy document, `{ auth_policies: [...] }` in YAML
 * (1.2, core schema) or JSON. A document in the predecessor's three-tier shape
 * (`auth: { server_level, capabilities, tools }`, or those keys at the top)
 * is converted with {@link convertLegacyAuthConfig} instead.
 * Syntax errors are reported against the field `body`.
 */
export function parsePolicyDocument(
  text: string,
  format: PolicyDocumentFormat,
): Validated<Policy[]> {
  const parsed = parseText(text, format);
  if (!parsed.ok) {
    return parsed;
  }
  // Validators and serialisers recurse: a document this deep would overflow them (a 500).
  if (exceedsDepth(parsed.value)) {
    return { ok: false, errors: depthErrors() };
  }
  return isLegacyAuthConfig(parsed.value)
    ? convertLegacyAuthConfig(parsed.value)
    : validatePolicyDocument(parsed.value);
}

/**
 * The YAML export of a policy set: `{ auth_policies: [...] }`, highest
 * priority first, without persistence ids. {@link parsePolicyDocument} reads
 * it back to the same policies.
 */
export function serializePolicyDocument(policies: readonly Policy[]): string {
  const auth_policies = [...policies].sort(comparePolicies).map((p) => ({
    name: p.name,
    match_pattern: p.match_pattern,
    priority: p.priority,
    enabled: p.enabled,
    description: p.description,
    auth_method: copyAuthMethod(p.auth_method),
  }));
  return stringify({ auth_policies }, { version: '1.2', lineWidth: 0 });
}

function parseText(text: unknown, format: unknown): Parsed {
  if (typeof text !== 'string') {
    return bodyError('must be a string');
  }
  // A UTF-16 unit is at least one UTF-8 byte, so the cheap check comes first.
  if (text.length > MAX_DOCUMENT_BYTES || Buffer.byteLength(text, 'utf8') > MAX_DOCUMENT_BYTES) {
    return bodyError(`document is larger than ${MAX_DOCUMENT_BYTES} bytes (1 MiB)`);
  }
  if (format === 'json') {
    return parseJson(text);
  }
  if (format === 'yaml') {
    return parseYaml(text);
  }
  return bodyError("format must be 'yaml' or 'json'");
}

function parseYaml(text: string): Parsed {
  if (yamlNestsTooDeep(text)) {
    return { ok: false, errors: depthErrors() };
  }
  const doc = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    prettyErrors: true,
    uniqueKeys: true,
  });
  // Warnings (such as unresolved `!!tags`) are errors here: a security policy
  // should mean exactly what it says.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    return {
      ok: false,
      errors: problems
        .slice(0, MAX_PARSE_ERRORS)
        .map((e) => ({ field: 'body', message: describeYamlError(e) })),
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return bodyError(`document could not be built: ${reason}`);
  }
}

/**
 * The composer recurses once per nesting level, so depth is checked on the tokens first (the
 * token parser keeps its own stack; the walk stops at the limit).
 */
function yamlNestsTooDeep(text: string): boolean {
  let tooDeep = false;
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') {
      continue;
    }
    CST.visit(token, (_item, path) => {
      if (path.length > MAX_NESTING_DEPTH) {
        tooDeep = true;
        return CST.visit.BREAK;
      }
      return undefined;
    });
    if (tooDeep) {
      return true;
    }
  }
  return false;
}

/** `line 3, column 5: <problem>`, without the source excerpt that prettyErrors appends. */
function describeYamlError(e: YAMLError): string {
  const headline = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const pos = e.linePos?.[0];
  return pos ? `line ${pos.line}, column ${pos.col}: ${headline}` : headline;
}

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // V8 sometimes quotes the input back instead of giving a position; keep only the reason.
    const reason = message
      .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '');
    const at = /at position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : undefined;
    if (offset === undefined) {
      return bodyError(`invalid JSON: ${reason}`);
    }
    const { line, column } = lineAndColumn(text, offset);
    return bodyError(`invalid JSON at line ${line}, column ${column}: ${reason}`);
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastBreak };
}

function depthErrors(): FieldError[] {
  return [
    { field: 'body', message: `the document is nested more than ${MAX_NESTING_DEPTH} levels deep` },
  ];
}

function bodyError(message: string): Parsed {
  return { ok: false, errors: [{ field: 'body', message }] };
}
