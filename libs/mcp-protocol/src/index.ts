export { JSONRPC_ERRORS } from './error-codes';
export {
  classifyMessage,
  type InboundMessage,
  type JsonRpcId,
  jsonRpcError,
  jsonRpcResult,
  type MessageParse,
} from './json-rpc';
export { checkMirroredHeaders, decodeMirroredValue, type MirrorCheck } from './mirrored-headers';
export {
  classifyGeneration,
  CLIENT_CAPABILITIES_META_KEY,
  FIRST_MODERN_PROTOCOL_VERSION,
  type GenerationVerdict,
  isModernProtocolVersion,
  PROTOCOL_VERSION_META_KEY,
  type ProtocolGeneration,
} from './protocol-generation';
export { formatSseEvent, parseSseEvents, type SseEvent, SseParser } from './sse';
export {
  checkParamHeaders,
  paramHeaderDeclarations,
  type ParamHeaderDeclaration,
} from './param-headers';
