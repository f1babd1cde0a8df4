import { JSONRPC_ERRORS } from './error-codes';
import { stripOptionalWhitespace } from './http-field';
import type { InboundMessage } from './json-rpc';

/**
 * The two protocol generations, told apart per request as the 2026-07-28 versioning section and
 * the SDK v2 classifier say: the body decides, the `MCP-Protocol-Version` header only cross-checks.
 * - `legacy`: 2024-11-05 … 2025-11-25 — `initialize` handshake, `MCP-Session-Id`, GET stream.
 * - `modern`: 2026-07-28 and later — stateless POSTs, each request carrying its protocol version in
 *   `params._meta["io.modelcontextprotocol/protocolVersion"]`, mirrored `Mcp-Method`/`Mcp-Name` headers.
 */
export type ProtocolGeneration = 'legacy' | 'modern';

export const FIRST_MODERN_PROTOCOL_VERSION = '2026-07-28';
export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';

/**
 * Revision names are ISO dates, so they compare as strings, as the SDK compares them. A name that is
 * not a date (a draft's `DRAFT-2026-v1`) sorts after every date and counts as modern: the stricter
 * generation's checks apply, and the upstream says whether it serves it (-32022) rather than the
 * gateway refusing or demoting a name it does not know.
 */
export function isModernProtocolVersion(version: string): boolean {
  return version >= FIRST_MODERN_PROTOCOL_VERSION;
}

export type GenerationVerdict =
  | {
      ok: true;
      generation: ProtocolGeneration;
      /** The version the message names: its claim, initialize's params.protocolVersion, else the header. */
      version: string | undefined;
    }
  | { ok: false; code: number; message: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function metaOf(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const meta = params?._meta;
  return isPlainObject(meta) ? meta : undefined;
}

/**
 * Any non-empty string names a revision, as the SDK compares them; an empty one names none and is
 * refused here (the SDK's modern path refuses it too, as an unsupported version, -32022).
 */
const isVersionName = (value: unknown): value is string =>
  typeof value === 'string' && value !== '';

const ENVELOPE_INVALID = 'Invalid _meta envelope for protocol revision 2026-07-28';

/**
 * What is wrong with a request's per-request envelope, first problem only, in the SDK's order
 * (missing keys, then the keys' types). Only the top level: what the capabilities contain is the
 * upstream's to validate, as the body reaches it unchanged.
 */
function envelopeProblem(meta: Record<string, unknown>): string | undefined {
  if (!Object.hasOwn(meta, CLIENT_CAPABILITIES_META_KEY)) {
    return `${CLIENT_CAPABILITIES_META_KEY}: missing`;
  }
  if (!isVersionName(meta[PROTOCOL_VERSION_META_KEY])) {
    return `${PROTOCOL_VERSION_META_KEY}: expected a protocol version string`;
  }
  if (!isPlainObject(meta[CLIENT_CAPABILITIES_META_KEY])) {
    return `${CLIENT_CAPABILITIES_META_KEY}: expected an object`;
  }
  return undefined;
}

const refuse = (code: number, message: string): GenerationVerdict => ({ ok: false, code, message });

/**
 * Which generation a POSTed message belongs to. `versionHeader` is the `MCP-Protocol-Version`
 * header as received. Disagreements are refused with the codes the 2026-07-28 transport assigns
 * (HTTP 400 either way).
 */
export function classifyGeneration(
  message: InboundMessage,
  versionHeader: string | undefined,
): GenerationVerdict {
  const headerVersion =
    versionHeader === undefined ? undefined : stripOptionalWhitespace(versionHeader);
  const headerModern = headerVersion !== undefined && isModernProtocolVersion(headerVersion);
  if (message.kind === 'response') {
    // Only a 2025 client POSTs responses (to server-to-client requests); a 2026-07-28 client answers
    // through input_required retries instead. The SDK routes every posted response to legacy.
    return { ok: true, generation: 'legacy', version: headerVersion };
  }
  const meta = metaOf(message.params);
  const claim = meta?.[PROTOCOL_VERSION_META_KEY];
  // initialize is the 2025 handshake by definition (the modern generation has none) unless a valid
  // modern envelope says otherwise. It negotiates in params.protocolVersion, so a malformed or older
  // claim beside it is neither an error nor cross-checked against the header.
  const modernEnvelope =
    meta !== undefined &&
    isVersionName(claim) &&
    isModernProtocolVersion(claim) &&
    envelopeProblem(meta) === undefined;
  if (message.kind === 'request' && message.method === 'initialize' && !modernEnvelope) {
    if (headerModern) {
      return refuse(
        JSONRPC_ERRORS.headerMismatch,
        'an initialize request (legacy handshake) was sent with a modern MCP-Protocol-Version header',
      );
    }
    const asked = message.params?.protocolVersion;
    return {
      ok: true,
      generation: 'legacy',
      version: typeof asked === 'string' ? asked : headerVersion,
    };
  }
  if (meta !== undefined && claim !== undefined) {
    // A request claiming the envelope must carry all of it (2026-07-28 moved the client's
    // capabilities from initialize onto every request); a notification only names its version.
    const problem = message.kind === 'request' ? envelopeProblem(meta) : undefined;
    if (problem !== undefined) {
      return refuse(JSONRPC_ERRORS.invalidParams, `${ENVELOPE_INVALID}: ${problem}`);
    }
    if (!isVersionName(claim)) {
      return refuse(
        JSONRPC_ERRORS.invalidParams,
        `${ENVELOPE_INVALID}: ${PROTOCOL_VERSION_META_KEY} must be a protocol version string`,
      );
    }
    if (headerVersion !== undefined && headerVersion !== claim) {
      return refuse(
        JSONRPC_ERRORS.headerMismatch,
        `the body names protocol version ${claim} but the MCP-Protocol-Version header names ${headerVersion}`,
      );
    }
    if (!isModernProtocolVersion(claim)) {
      return { ok: true, generation: 'legacy', version: claim };
    }
    if (message.kind === 'request' && headerVersion === undefined) {
      return refuse(
        JSONRPC_ERRORS.headerMismatch,
        'the required MCP-Protocol-Version header is absent',
      );
    }
    return { ok: true, generation: 'modern', version: claim };
  }
  if (headerModern) {
    // Notifications carry no envelope of their own, so for them the header decides.
    if (message.kind === 'notification') {
      return { ok: true, generation: 'modern', version: headerVersion };
    }
    return refuse(
      JSONRPC_ERRORS.invalidParams,
      `Invalid params: the MCP-Protocol-Version header names ${headerVersion}, but the request has no ${PROTOCOL_VERSION_META_KEY} in params._meta`,
    );
  }
  return { ok: true, generation: 'legacy', version: headerVersion };
}
