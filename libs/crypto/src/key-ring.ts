import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { decodeBase64OrBase64Url } from './strict-base64';
import { VaultError } from './vault.error';

/** Key ids travel inside sealed values, so they exclude the `.` separator. */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_BYTES = 32;

/**
 * The AES-256 keys of the vault, read from `VAULT_KEYS`: comma-separated `<id>:<key>` entries,
 * each key base64 or base64url of exactly 32 bytes. The first entry is the active key (new seals
 * use it); every entry can open. Rotation prepends a new key and keeps the old ones until every
 * value has been resealed.
 *
 * Keys are held as `KeyObject`s in a private field, so logging or serialising a ring shows no
 * key material.
 */
export class KeyRing {
  readonly #keys: ReadonlyMap<string, KeyObject>;

  /** Id of the key new seals use (the first entry). */
  readonly activeId: string;
  /** Every key id, the active one first. */
  readonly ids: readonly string[];

  private constructor(keys: Map<string, KeyObject>) {
    this.#keys = keys;
    this.ids = Object.freeze([...keys.keys()]);
    this.activeId = this.ids[0];
  }

  /**
   * Parses a `VAULT_KEYS` value. Whitespace around entries is ignored.
   *
   * @throws VaultError `invalid_key_ring` listing every problem by 1-based entry index (and id
   *   when the id itself is valid); the message never includes key text.
   */
  static parse(spec: string): KeyRing {
    if (typeof spec !== 'string' || spec.trim() === '') {
      throw invalid(['no keys given']);
    }
    const keys = new Map<string, KeyObject>();
    const problems: string[] = [];
    spec.split(',').forEach((raw, index) => {
      const problem = parseEntry(raw.trim(), index + 1, keys);
      if (problem !== undefined) {
        problems.push(problem);
      }
    });
    if (problems.length > 0) {
      throw invalid(problems);
    }
    return new KeyRing(keys);
  }

  /** A fresh random `<id>:<base64url key>` entry, for documentation and development setups. */
  static generateSpec(id = 'k1'): string {
    if (!KEY_ID.test(id)) {
      throw new TypeError('A key id must be 1-32 characters of A-Z a-z 0-9 _ -');
    }
    return `${id}:${randomBytes(KEY_BYTES).toString('base64url')}`;
  }

  /** Whether the ring can open values sealed under `id`. */
  has(id: string): boolean {
    return this.#keys.has(id);
  }

  /**
   * The key for `id`, or `undefined`. For the vault in this library; other code should not need
   * key material.
   *
   * @internal
   */
  keyFor(id: string): KeyObject | undefined {
    return this.#keys.get(id);
  }
}

/** Adds a valid entry to `keys`, or returns why it is invalid without quoting the key. */
function parseEntry(
  entry: string,
  position: number,
  keys: Map<string, KeyObject>,
): string | undefined {
  if (entry === '') {
    return `entry ${position} is empty`;
  }
  const colon = entry.indexOf(':');
  if (colon < 0) {
    return `entry ${position} has no ':' between id and key`;
  }
  const id = entry.slice(0, colon);
  // An invalid id is not echoed: it may be key text pasted in the wrong place.
  if (!KEY_ID.test(id)) {
    return `entry ${position} has an invalid id (1-32 characters of A-Z a-z 0-9 _ -)`;
  }
  const label = `entry ${position} (id "${id}")`;
  if (keys.has(id)) {
    return `${label} repeats an id`;
  }
  const bytes = decodeBase64OrBase64Url(entry.slice(colon + 1));
  if (bytes === null) {
    return `${label} is not valid base64 or base64url`;
  }
  if (bytes.length !== KEY_BYTES) {
    const length = bytes.length;
    bytes.fill(0);
    return `${label} decodes to ${length} bytes, expected ${KEY_BYTES}`;
  }
  keys.set(id, createSecretKey(bytes));
  // createSecretKey copied the bytes; do not leave a second copy for the heap to keep around.
  bytes.fill(0);
  return undefined;
}

function invalid(problems: string[]): VaultError {
  return new VaultError(
    'invalid_key_ring',
    `Invalid key ring (VAULT_KEYS): ${problems.join('; ')}`,
  );
}
