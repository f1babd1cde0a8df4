export {
  generateApiKey,
  hashApiKey,
  parseApiKey,
  parsePepper,
  verifyApiKey,
  type GeneratedApiKey,
  type ParsedApiKey,
} from './api-key';
export { bearerMatches } from './bearer-matches';
export { constantTimeEqual } from './constant-time-equal';
export { KeyRing } from './key-ring';
export { isLoopbackHost } from './loopback-host';
export { createCodeVerifier, isValidCodeVerifier, s256Challenge, verifyS256 } from './pkce';
export { randomToken } from './random-token';
export { type SealBinding } from './sealed-value';
export { sha256Hex } from './sha256';
export { Vault } from './vault';
export { VaultError, type VaultErrorCode } from './vault.error';
