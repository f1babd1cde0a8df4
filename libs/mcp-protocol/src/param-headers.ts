import { JSONRPC_ERRORS } from './error-codes';
import { decodeMirroredValue, type MirrorCheck } from './mirrored-headers';

/** One tool argument a 2026-07-28 client mirrors into `Mcp-Param-<headerName>` (SEP-2243). */
export interface ParamHeaderDeclaration {
  /** Property names from `arguments` down to the annotated value. */
  path: readonly string[];
  headerName: string;
  type: string | undefined;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CANONICAL_DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * The `x-mcp-header` declarations of a tool's `inputSchema`, reachable through `properties`
 * chains only (where the 2026-07-28 transport allows them). Malformed annotations are skipped:
 * the tool's own server refuses such a tool; the gateway only checks what it can read.
 */
export function paramHeaderDeclarations(inputSchema: unknown): ParamHeaderDeclaration[] {
  const found: ParamHeaderDeclaration[] = [];
  const visit = (node: unknown, path: string[], depth: number): void => {
    if (node === null || typeof node !== 'object' || depth > 32) {
      return;
    }
    const schema = node as Record<string, unknown>;
    const header = schema['x-mcp-header'];
    if (path.length > 0 && typeof header === 'string' && TOKEN.test(header)) {
      found.push({
        path,
        headerName: header,
        type: typeof schema.type === 'string' ? schema.type : undefined,
      });
    }
    const properties = schema.properties;
    if (properties !== null && typeof properties === 'object' && !Array.isArray(properties)) {
      for (const [key, child] of Object.entries(properties)) {
        visit(child, [...path, key], depth + 1);
      }
    }
  };
  visit(inputSchema, [], 0);
  return found;
}

function primitiveText(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  if (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!Number.isInteger(value) || Number.isSafeInteger(value))
  ) {
    return String(value);
  }
  return undefined;
}

/**
 * SPEC-MUST 16 for `Mcp-Param-*` (2026-07-28 "Custom headers"): for each declaration whose argument
 * the body carries (not null), the header must be present and decode to the same value (numbers
 * compared numerically); a header for an absent argument is ignored — as the SDK v2 server checks.
 */
export function checkParamHeaders(
  declarations: readonly ParamHeaderDeclaration[],
  args: unknown,
  header: (name: string) => string | undefined,
): MirrorCheck {
  for (const declaration of declarations) {
    let value: unknown = args;
    for (const key of declaration.path) {
      value =
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
    const text = value === undefined || value === null ? undefined : primitiveText(value);
    if (text === undefined) {
      continue;
    }
    const name = `mcp-param-${declaration.headerName.toLowerCase()}`;
    const raw = header(name);
    const mismatch = (message: string): MirrorCheck => ({
      ok: false,
      code: JSONRPC_ERRORS.headerMismatch,
      message,
    });
    if (raw === undefined) {
      return mismatch(
        `the body carries arguments.${declaration.path.join('.')} but the Mcp-Param-${declaration.headerName} header is absent`,
      );
    }
    const decoded = decodeMirroredValue(raw);
    if (decoded === undefined) {
      return mismatch(
        `the Mcp-Param-${declaration.headerName} header carries an invalid Base64 sentinel value`,
      );
    }
    const numeric =
      (declaration.type === 'integer' || declaration.type === 'number') &&
      typeof value === 'number';
    const equal =
      numeric && CANONICAL_DECIMAL.test(decoded) ? Number(decoded) === value : decoded === text;
    if (!equal) {
      return mismatch(
        `the Mcp-Param-${declaration.headerName} header disagrees with arguments.${declaration.path.join('.')}`,
      );
    }
  }
  return { ok: true };
}
