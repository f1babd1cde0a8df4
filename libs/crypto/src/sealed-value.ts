import { decodeBase64Url } from './strict-base64';
import { VaultError } from './vault.error';

/**
 * The printable form of a sealed value: `v1.<keyId>.<iv>.<ciphertext>.<tag>`, binary parts in
 * unpadded base64url. Neither key ids nor base64url contain `.`, so splitting is unambiguous.
 */
export interface SealedParts {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** The parts a sealed value is bound to (AES-GCM additional authenticated data). */
export interface SealBinding {
  /** The owning record, e.g. `user:<uuid>`, `service_account:<uuid>`, `provider:<name>`. */
  owner: string;
  /** Provider or account the secret belongs to (empty string when none). */
  provider: string;
  /** Which secret of the owner, e.g. `access_token`, `refresh_token`, `client_secret`. */
  field: string;
}

export const SEALED_VERSION = 'v1';
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
/** Largest plaintext a vault seals, in UTF-8 bytes. */
export const MAX_PLAINTEXT_BYTES = 64 * 1024;

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** The longest well-formed value; anything longer is refused before it is split or decoded. */
const MAX_SEALED_LENGTH =
  SEALED_VERSION.length +
  32 +
  Math.ceil((4 * (IV_BYTES + MAX_PLAINTEXT_BYTES + TAG_BYTES)) / 3) +
  4;

export function formatSealed(parts: SealedParts): string {
  return [
    SEALED_VERSION,
    parts.keyId,
    parts.iv.toString('base64url'),
    parts.ciphertext.toString('base64url'),
    parts.tag.toString('base64url'),
  ].join('.');
}

/** @throws VaultError `malformed`, whose message never quotes the value. */
export function parseSealed(sealed: string): SealedParts {
  if (typeof sealed !== 'string' || sealed.length > MAX_SEALED_LENGTH) {
    throw malformed('not a string of plausible length');
  }
  const fields = sealed.split('.');
  if (fields.length !== 5) {
    throw malformed('expected 5 dot-separated parts');
  }
  const [version, keyId, iv, ciphertext, tag] = fields;
  if (version !== SEALED_VERSION) {
    throw malformed('unknown format version');
  }
  if (!KEY_ID.test(keyId)) {
    throw malformed('invalid key id');
  }
  const parts = {
    keyId,
    iv: decodeBase64Url(iv),
    ciphertext: decodeBase64Url(ciphertext),
    tag: decodeBase64Url(tag),
  };
  if (parts.iv?.length !== IV_BYTES) {
    throw malformed(`the IV is not ${IV_BYTES} bytes of base64url`);
  }
  if (parts.ciphertext === null) {
    throw malformed('the ciphertext is not base64url');
  }
  if (parts.tag?.length !== TAG_BYTES) {
    throw malformed(`the tag is not ${TAG_BYTES} bytes of base64url`);
  }
  return { keyId, iv: parts.iv, ciphertext: parts.ciphertext, tag: parts.tag };
}

/**
 * The additional authenticated data: a JSON array, so no choice of owner, provider or field can
 * encode the same bytes as another (`"a|b","c"` and `"a","b|c"` differ). The key id is included so
 * a value cannot be relabelled to another key that happens to hold the same bytes.
 */
export function sealAad(keyId: string, binding: SealBinding): Buffer {
  return Buffer.from(
    JSON.stringify([SEALED_VERSION, keyId, binding.owner, binding.provider, binding.field]),
    'utf8',
  );
}

/** Misuse, not bad data: a binding must be three strings, owner and field non-empty. */
export function assertBinding(binding: SealBinding): void {
  if (
    typeof binding !== 'object' ||
    binding === null ||
    typeof binding.owner !== 'string' ||
    typeof binding.provider !== 'string' ||
    typeof binding.field !== 'string' ||
    binding.owner === '' ||
    binding.field === ''
  ) {
    throw new TypeError(
      'A seal binding needs string owner, provider and field; owner and field must not be empty',
    );
  }
}

function malformed(problem: string): VaultError {
  return new VaultError('malformed', `Malformed sealed value: ${problem}`);
}
