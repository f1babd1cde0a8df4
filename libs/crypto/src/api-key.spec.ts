import { generateApiKey, hashApiKey, parseApiKey, parsePepper, verifyApiKey } from '@app/crypto';
import { randomBytes } from 'node:crypto';

const pepper = randomBytes(32);

describe('API keys', () => {
  it('formats a key as <prefix>_<keyId>_<secret> with a hint from the secret', () => {
    const { key, keyId, hint } = generateApiKey();
    expect(keyId).toMatch(/^[a-z2-7]{12}$/);
    expect(key).toMatch(new RegExp(`^mcpgw_${keyId}_[A-Za-z0-9_-]{43}$`));
    expect(key.endsWith(hint)).toBe(true);
    expect(hint).toHaveLength(4);
    expect(generateApiKey('acme').key).toMatch(/^acme_/);
  });

  it('gives every key a different id and secret', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.keyId).not.toBe(b.keyId);
    expect(a.key.slice(-43)).not.toBe(b.key.slice(-43));
  });

  it('parses the prefix and lookup id back from a generated key', () => {
    const { key, keyId } = generateApiKey('acme2');
    expect(parseApiKey(key)).toEqual({ prefix: 'acme2', keyId });
  });

  it('refuses a prefix that could not be parsed back', () => {
    expect(() => generateApiKey('my_app')).toThrow(TypeError);
    expect(() => generateApiKey('')).toThrow(TypeError);
    expect(() => generateApiKey('Upper')).toThrow(TypeError);
  });

  it.each([
    ['empty', () => ''],
    ['missing its secret', (k: string) => k.slice(0, k.lastIndexOf('_'))],
    ['a truncated secret', (k: string) => k.slice(0, -1)],
    ['an extended secret', (k: string) => `${k}A`],
    ['surrounding whitespace', (k: string) => ` ${k}`],
    [
      'an uppercase key id',
      (k: string) => k.replace(/_([a-z2-7]{12})_/, (_m, id: string) => `_${id.toUpperCase()}_`),
    ],
    ['a key id of the wrong length', (k: string) => k.replace(/_([a-z2-7]{12})_/, '_abc_')],
    ['a non-canonical last character', (k: string) => `${k.slice(0, -1)}B`],
    ['an absurd length', (k: string) => k + 'A'.repeat(10_000)],
  ])('refuses a key that is %s', (_case, mangle) => {
    expect(parseApiKey(mangle(generateApiKey().key))).toBeNull();
  });

  it('hashes with HMAC-SHA256 under the pepper and verifies only the same key', () => {
    const { key } = generateApiKey();
    const stored = hashApiKey(key, pepper);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(key);
    expect(verifyApiKey(key, stored, pepper)).toBe(true);
    expect(verifyApiKey(generateApiKey().key, stored, pepper)).toBe(false);
    expect(verifyApiKey(`${key.slice(0, -2)}AA`, stored, pepper)).toBe(false);
    expect(verifyApiKey(key, stored.toUpperCase(), pepper)).toBe(false);
  });

  it('gives a different hash under another pepper, which then does not verify', () => {
    const { key } = generateApiKey();
    const other = randomBytes(32);
    expect(hashApiKey(key, other)).not.toBe(hashApiKey(key, pepper));
    expect(verifyApiKey(key, hashApiKey(key, pepper), other)).toBe(false);
  });

  it('refuses a pepper under 32 bytes at hashing time', () => {
    expect(() => hashApiKey(generateApiKey().key, randomBytes(16))).toThrow(TypeError);
  });
});

describe('API_KEY_PEPPER', () => {
  it('reads base64 and base64url of at least 32 bytes', () => {
    const bytes = randomBytes(48);
    expect(parsePepper(bytes.toString('base64')).equals(bytes)).toBe(true);
    expect(parsePepper(bytes.toString('base64url')).equals(bytes)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['too short', randomBytes(31).toString('base64')],
    ['not base64', `${randomBytes(40).toString('base64url')}!`],
  ])('refuses a value that is %s without echoing it', (_case, value) => {
    let message = '';
    try {
      parsePepper(value);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/API_KEY_PEPPER/);
    if (value !== '') {
      expect(message).not.toContain(value.slice(0, 8));
    }
  });
});
