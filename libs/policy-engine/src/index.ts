export * from './policy.types';
export {
  PolicyEngineError,
  POLICY_ENGINE_ERROR_CODES,
  type PolicyEngineErrorCode,
} from './policy-engine.error';
export { validatePolicy, validatePolicyDocument, POLICY_LIMITS } from './policy.validator';
export { validateAuthMethod, AUTH_METHOD_LIMITS } from './auth-method.validator';
export { PATTERN_LIMITS, checkPatternComplexity } from './pattern-complexity';
export {
  MATCH_OPTIONS,
  MAX_TOOL_NAME_LENGTH,
  isMatchableToolName,
  matchesPattern,
} from './pattern-matcher';
export {
  CompiledPolicySet,
  RESOLUTION_CACHE_SIZE,
  type CompileAsyncOptions,
} from './compiled-policy-set';
export type { PolicyIndexStats } from './policy-index';
export { naiveResolve } from './naive-resolve';
export {
  parsePolicyDocument,
  serializePolicyDocument,
  MAX_DOCUMENT_BYTES,
  MAX_YAML_ALIAS_COUNT,
  type PolicyDocumentFormat,
} from './policy-document';
export {
  convertLegacyAuthConfig,
  isLegacyAuthConfig,
  LEGACY_PRIORITIES,
} from './legacy-config.converter';
export { unstorableText } from './field-checks';
export { exceedsDepth, MAX_NESTING_DEPTH } from './json-depth';
