import { JSONRPC_ERRORS } from './error-codes';
import { stripOptionalWhitespace } from './http-field';
import type { InboundMessage } from './json-rpc';

/** Which `params` field `Mcp-Name` mirrors, per method (2026-07-28 Streamable HTTP, SEP-2243). */
const NAME_SOURCE: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
/** RFC 4648 §4 with padding; the padding bits themselves are not checked, as in the SDK. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// ignoreBOM keeps a leading U+FEFF: it is part of the value the client encoded.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A mirrored header value as the body would carry it: plain text, or the UTF-8 inside the
 * `=?base64?…?=` sentinel. Anything framed as a sentinel is decoded as one (as the SDK server does),
 * so a payload that is not Base64 or not UTF-8 is `undefined`, never read as a plain name that the
 * upstream would then refuse.
 */
export function decodeMirroredValue(value: string): string | undefined {
  const trimmed = stripOptionalWhitespace(value);
  if (!trimmed.startsWith(SENTINEL_PREFIX) || !trimmed.endsWith(SENTINEL_SUFFIX)) {
    return trimmed;
  }
  const payload = trimmed.slice(SENTINEL_PREFIX.length, trimmed.length - SENTINEL_SUFFIX.length);
  if (!BASE64.test(payload)) {
    return undefined;
  }
  try {
    return UTF8.decode(Buffer.from(payload, 'base64'));
  } catch {
    return undefined;
  }
}

export type MirrorCheck = { ok: true } | { ok: false; code: number; message: string };

/**
 * SPEC-MUST 16: on a 2026-07-28 request, `Mcp-Method` must be present and equal the body's method,
 * and `Mcp-Name` must equal the name the body targets, before anything routes or decides on them.
 * `Mcp-Param-*` mirror tool arguments against the tool's own schema; the upstream checks those.
 */
export function checkMirroredHeaders(
  message: InboundMessage,
  mcpMethod: string | undefined,
  mcpName: string | undefined,
): MirrorCheck {
  if (message.kind === 'response') {
    return { ok: true };
  }
  const mismatch = (text: string): MirrorCheck => ({
    ok: false,
    code: JSONRPC_ERRORS.headerMismatch,
    message: text,
  });
  if (mcpMethod === undefined) {
    return message.kind === 'request'
      ? mismatch(
          `the body names method ${message.method} but the required Mcp-Method header is absent`,
        )
      : { ok: true };
  }
  // Only SP/HTAB (RFC 9110 OWS), as the upstream strips: String#trim would also drop a no-break
  // space or a BOM, and pass a header the upstream then refuses.
  const method = stripOptionalWhitespace(mcpMethod);
  if (method !== message.method) {
    return mismatch(
      `the body names method ${message.method} but the Mcp-Method header names ${method}`,
    );
  }
  const field = Object.hasOwn(NAME_SOURCE, message.method)
    ? NAME_SOURCE[message.method]
    : undefined;
  if (field === undefined || message.kind !== 'request') {
    return { ok: true };
  }
  const bodyValue = message.params?.[field];
  if (mcpName === undefined) {
    return typeof bodyValue === 'string'
      ? mismatch(`the body carries params.${field} but the required Mcp-Name header is absent`)
      : { ok: true };
  }
  const decoded = decodeMirroredValue(mcpName);
  if (decoded === undefined) {
    return mismatch('the Mcp-Name header carries an invalid Base64 sentinel value');
  }
  if (typeof bodyValue === 'string' && decoded !== bodyValue) {
    return mismatch(`the body carries params.${field} different from the Mcp-Name header`);
  }
  return { ok: true };
}
