import { GatewayError } from '../http/gateway-error';

const UPSTREAM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_CURSOR_CHARS = 16_384;

/** Where each upstream with more to list stands: upstream name → that upstream's `nextCursor`. */
export type CompositeCursor = Readonly<Record<string, string>>;

/**
 * The aggregate's list cursor (MCP pagination: cursors are opaque to the client): base64url of
 * the JSON object `{<upstream>: <its nextCursor>}`, so the next page asks only the upstreams that
 * said they have more, each with its own cursor.
 */
export function encodeCursor(cursor: CompositeCursor): string | undefined {
  return Object.keys(cursor).length === 0
    ? undefined
    : Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** A client's cursor, checked strictly: anything we could not have issued is −32602. */
export function decodeCursor(raw: unknown): CompositeCursor {
  if (typeof raw !== 'string' || raw === '' || raw.length > MAX_CURSOR_CHARS) {
    throw invalid();
  }
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) {
    throw invalid();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid();
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0) {
    throw invalid();
  }
  for (const [name, value] of entries) {
    if (!UPSTREAM_NAME.test(name) || typeof value !== 'string' || value.length > 4096) {
      throw invalid();
    }
  }
  return parsed as CompositeCursor;
}

function invalid(): GatewayError {
  return new GatewayError(
    'invalid_params',
    'Invalid params: the cursor is not one this server issued',
  );
}
