/**
 * Why the vault refused: a closed set, so callers can switch on it exhaustively.
 *
 * - `invalid_key_ring`: the key ring specification (VAULT_KEYS) is unusable.
 * - `malformed`: a sealed value does not have the `v1.<keyId>.<iv>.<ciphertext>.<tag>` shape.
 * - `unknown_key`: a sealed value names a key id the ring does not hold (removed too early?).
 * - `decrypt_failed`: authentication failed: wrong binding, tampered value, or a different key
 *   under the same id.
 */
export type VaultErrorCode = 'invalid_key_ring' | 'unknown_key' | 'malformed' | 'decrypt_failed';

/**
 * A refusal from the key ring or the vault. Messages name the problem (entry index, key id) but
 * never carry plaintext, key material or the sealed value, so they are safe to log.
 */
export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}
