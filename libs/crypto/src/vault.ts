import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { KeyRing } from './key-ring';
import {
  assertBinding,
  formatSealed,
  IV_BYTES,
  MAX_PLAINTEXT_BYTES,
  parseSealed,
  sealAad,
  TAG_BYTES,
  type SealBinding,
} from './sealed-value';
import { VaultError } from './vault.error';

const CIPHER = 'aes-256-gcm';
/** A lone surrogate would not survive UTF-8 encoding, so the value opened would differ. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Seals secrets at rest with AES-256-GCM, binding each value to the record it belongs to: a
 * ciphertext copied to another owner, provider or field fails to open, so a database writer
 * cannot swap one user's token into another's row.
 *
 * Sealed form: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (unpadded base64url parts, 96-bit random IV,
 * 128-bit tag).
 */
export class Vault {
  /** Largest plaintext `seal` accepts, in UTF-8 bytes. */
  static readonly MAX_PLAINTEXT_BYTES = MAX_PLAINTEXT_BYTES;

  constructor(private readonly ring: KeyRing) {
    if (!(ring instanceof KeyRing)) {
      throw new TypeError('Vault needs a KeyRing (KeyRing.parse(VAULT_KEYS))');
    }
  }

  /**
   * Encrypts `plaintext` under the active key, bound to `binding`.
   *
   * @throws RangeError when the plaintext exceeds {@link Vault.MAX_PLAINTEXT_BYTES}.
   * @throws TypeError on a plaintext that is not a well-formed string or an incomplete binding.
   */
  /**
   * Keys for another purpose (cookie signing, CSRF tokens) derived from the ring with HKDF-SHA256,
   * one per vault key, the active one first: sign with the first, accept any. Rotating the vault
   * keys rotates these too.
   */
  deriveKeys(purpose: string): Buffer[] {
    return this.ring.ids.map((id) =>
      Buffer.from(
        hkdfSync('sha256', this.ring.keyFor(id)!.export(), Buffer.alloc(0), `mcpgw:${purpose}`, 32),
      ),
    );
  }

  seal(plaintext: string, binding: SealBinding): string {
    if (typeof plaintext !== 'string' || LONE_SURROGATE.test(plaintext)) {
      throw new TypeError('Vault.seal needs a well-formed string plaintext');
    }
    assertBinding(binding);
    const data = Buffer.from(plaintext, 'utf8');
    if (data.length > MAX_PLAINTEXT_BYTES) {
      throw new RangeError(
        `Vault.seal refuses ${data.length} bytes of plaintext (at most ${MAX_PLAINTEXT_BYTES})`,
      );
    }
    const keyId = this.ring.activeId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.keyFor(keyId), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(sealAad(keyId, binding));
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    data.fill(0);
    return formatSealed({ keyId, iv, ciphertext, tag: cipher.getAuthTag() });
  }

  /**
   * Decrypts a value sealed under any key of the ring, for the same binding it was sealed with.
   *
   * @throws VaultError `malformed`, `unknown_key` or `decrypt_failed`.
   * @throws TypeError on an incomplete binding.
   */
  /**
   * Opens a value that was sealed as JSON. A parse failure is a `malformed` VaultError whose
   * message never quotes the plaintext (V8's SyntaxError messages would).
   */
  openJson<T>(sealed: string, binding: SealBinding): T {
    const plaintext = this.open(sealed, binding);
    try {
      return JSON.parse(plaintext) as T;
    } catch {
      throw new VaultError('malformed', 'Sealed value is not JSON');
    }
  }

  open(sealed: string, binding: SealBinding): string {
    assertBinding(binding);
    const { keyId, iv, ciphertext, tag } = parseSealed(sealed);
    const decipher = createDecipheriv(CIPHER, this.keyFor(keyId), iv, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(sealAad(keyId, binding));
    decipher.setAuthTag(tag);
    let data: Buffer;
    try {
      data = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      // GCM does not say which input was wrong, and guessing would help an attacker.
      throw new VaultError(
        'decrypt_failed',
        `Sealed value under key "${keyId}" failed authentication (wrong binding, tampered, or another key)`,
      );
    }
    const plaintext = data.toString('utf8');
    data.fill(0);
    return plaintext;
  }

  /**
   * The id of the key `seal` uses (the first of the ring), as it appears in the second
   * dot-separated part of every value sealed with it: lets a store find values on older keys.
   */
  get activeKeyId(): string {
    return this.ring.activeId;
  }

  /**
   * Whether `sealed` names the active key, i.e. needs no rotation. Reads only the header: it does
   * not prove the value opens.
   *
   * @throws VaultError `malformed`.
   */
  isSealedWithActiveKey(sealed: string): boolean {
    return parseSealed(sealed).keyId === this.ring.activeId;
  }

  /**
   * Opens `sealed` with whichever key it names and seals the plaintext again under the active
   * key (with a fresh IV): one step of a key rotation.
   *
   * @throws VaultError as {@link Vault.open}.
   */
  reseal(sealed: string, binding: SealBinding): string {
    return this.seal(this.open(sealed, binding), binding);
  }

  private keyFor(keyId: string) {
    const key = this.ring.keyFor(keyId);
    if (key === undefined) {
      throw new VaultError('unknown_key', `Sealed value names key "${keyId}", not in the key ring`);
    }
    return key;
  }
}
