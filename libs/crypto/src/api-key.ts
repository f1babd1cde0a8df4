import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from './constant-time-equal';
import { decodeBase64OrBase64Url } from './strict-base64';

/** A new API key, shown to its owner once; only `keyId`, `hint` and the hash are stored. */
export interface GeneratedApiKey {
  /** The full key, `<prefix>_<keyId>_<secret>`. */
  key: string;
  /** Public lookup id (12 characters of lowercase base32). */
  keyId: string;
  /** The last 4 characters of the secret, to tell keys apart in listings. */
  hint: string;
}

/** The non-secret parts of a well-formed API key. */
export interface ParsedApiKey {
  prefix: string;
  keyId: string;
}

/** RFC 4648 lowercase base32: 32 symbols divide 256, so `byte & 31` picks one without bias. */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const KEY_ID_LENGTH = 12;
const SECRET_BYTES = 32;
const PREFIX = /^[a-z][a-z0-9]{1,15}$/;
/** 32 bytes of unpadded base64url: 43 characters, the last carrying 2 zero bits. */
const API_KEY = /^([a-z][a-z0-9]{1,15})_([a-z2-7]{12})_([A-Za-z0-9_-]{42}[AEIMQUYcgkosw048])$/;
const MAX_API_KEY_LENGTH = 16 + 1 + KEY_ID_LENGTH + 1 + 43;
const MIN_PEPPER_BYTES = 32;

/**
 * A new API key `<prefix>_<keyId>_<secret>`: a 60-bit random lookup id and a 256-bit secret.
 *
 * @param prefix 2-16 lowercase letters and digits, starting with a letter (no `_`, which
 *   separates the parts), so leaked keys are recognisable by secret scanners.
 */
export function generateApiKey(prefix = 'mcpgw'): GeneratedApiKey {
  if (!PREFIX.test(prefix)) {
    throw new TypeError('An API key prefix must be 2-16 of a-z 0-9, starting with a letter');
  }
  const keyId = Array.from(randomBytes(KEY_ID_LENGTH), (byte) => BASE32[byte & 31]).join('');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { key: `${prefix}_${keyId}_${secret}`, keyId, hint: secret.slice(-4) };
}

/** The prefix and lookup id of a key in exactly the generated format, else `null`. */
export function parseApiKey(key: string): ParsedApiKey | null {
  if (typeof key !== 'string' || key.length > MAX_API_KEY_LENGTH) {
    return null;
  }
  const match = API_KEY.exec(key);
  return match === null ? null : { prefix: match[1], keyId: match[2] };
}

/**
 * The stored form of an API key: HMAC-SHA256 keyed with the pepper, hex. A fast hash suffices
 * because the key carries 256 random bits; the pepper (kept outside the database) makes a leaked
 * table useless for offline checks.
 */
export function hashApiKey(key: string, pepper: Buffer): string {
  if (!Buffer.isBuffer(pepper) || pepper.length < MIN_PEPPER_BYTES) {
    throw new TypeError(
      `The API key pepper must be a Buffer of at least ${MIN_PEPPER_BYTES} bytes`,
    );
  }
  return createHmac('sha256', pepper).update(key, 'utf8').digest('hex');
}

/** Whether `key` hashes to `storedHash` under `pepper`, compared in constant time. */
export function verifyApiKey(key: string, storedHash: string, pepper: Buffer): boolean {
  if (parseApiKey(key) === null || typeof storedHash !== 'string') {
    return false;
  }
  return constantTimeEqual(hashApiKey(key, pepper), storedHash);
}

/**
 * Reads `API_KEY_PEPPER`: base64 or base64url of at least 32 bytes.
 *
 * @throws TypeError naming the variable, never echoing its value.
 */
export function parsePepper(value: string): Buffer {
  const bytes = typeof value === 'string' ? decodeBase64OrBase64Url(value.trim()) : null;
  if (bytes === null || bytes.length < MIN_PEPPER_BYTES) {
    throw new TypeError(
      `API_KEY_PEPPER must be base64 or base64url of at least ${MIN_PEPPER_BYTES} bytes`,
    );
  }
  return bytes;
}
