import { KeyRing, Vault, VaultError, type SealBinding, type VaultErrorCode } from '@app/crypto';

const binding: SealBinding = { owner: 'user:42', provider: 'github', field: 'access_token' };
const secret = 'gho_plaintext-access-token';

function openError(vault: Vault, sealed: string, as: SealBinding = binding): VaultError {
  try {
    vault.open(sealed, as);
  } catch (error) {
    expect(error).toBeInstanceOf(VaultError);
    const message = (error as VaultError).message;
    expect(message).not.toContain(secret);
    for (const part of sealed.split('.').filter((p) => p.length >= 8)) {
      expect(message).not.toContain(part);
    }
    return error as VaultError;
  }
  throw new Error('Vault.open accepted the value');
}
const codeOf = (vault: Vault, sealed: string, as?: SealBinding): VaultErrorCode =>
  openError(vault, sealed, as).code;

/** Flips one bit inside part `index` of a sealed value, keeping it well-formed base64url. */
function flipBit(sealed: string, index: 2 | 3 | 4): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index], 'base64url');
  bytes[0] ^= 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SPEC-MUST 35: AES-256-GCM vault', () => {
  const ring = KeyRing.parse(`${KeyRing.generateSpec('k1')},${KeyRing.generateSpec('k0')}`);
  const vault = new Vault(ring);

  it('opens what it sealed, in the v1 compact format under the active key', () => {
    const sealed = vault.seal(secret, binding);
    expect(sealed).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(secret);
    expect(vault.open(sealed, binding)).toBe(secret);
  });

  it('round-trips an empty string and non-ASCII text', () => {
    expect(vault.open(vault.seal('', binding), binding)).toBe('');
    expect(vault.open(vault.seal('clé 🔑 ключ', binding), binding)).toBe('clé 🔑 ключ');
  });

  it('uses a fresh IV, so sealing the same plaintext twice gives different values', () => {
    const a = vault.seal(secret, binding);
    const b = vault.seal(secret, binding);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it.each([
    ['owner', { ...binding, owner: 'user:43' }],
    ['provider', { ...binding, provider: 'gitlab' }],
    ['field', { ...binding, field: 'refresh_token' }],
  ])('refuses a ciphertext moved to another %s', (_part, other) => {
    expect(codeOf(vault, vault.seal(secret, binding), other)).toBe('decrypt_failed');
  });

  it.each([
    [
      'from owner into field',
      { owner: 'a|b', provider: '', field: 'c' },
      { owner: 'a', provider: '', field: 'b|c' },
    ],
    [
      'across the provider',
      { owner: 'a|b', provider: 'c', field: 'd' },
      { owner: 'a', provider: 'b|c', field: 'd' },
    ],
    [
      'with no separator at all',
      { owner: 'ab', provider: '', field: 'c' },
      { owner: 'a', provider: 'b', field: 'c' },
    ],
  ])('binds the parts unambiguously, so moving text %s fails', (_case, sealedFor, openedAs) => {
    expect(codeOf(vault, vault.seal(secret, sealedFor), openedAs)).toBe('decrypt_failed');
  });

  it.each([
    ['IV', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ] as const)('refuses a value whose %s was tampered with', (_part, index) => {
    expect(codeOf(vault, flipBit(vault.seal(secret, binding), index))).toBe('decrypt_failed');
  });

  it('refuses a value relabelled to another key of the ring', () => {
    const relabelled = vault.seal(secret, binding).replace(/^v1\.k1\./, 'v1.k0.');
    expect(codeOf(vault, relabelled)).toBe('decrypt_failed');
  });

  it('refuses a value under a key id the ring does not hold, naming the id', () => {
    const foreign = new Vault(KeyRing.parse(KeyRing.generateSpec('gone'))).seal(secret, binding);
    const error = openError(vault, foreign);
    expect(error.code).toBe('unknown_key');
    expect(error.message).toContain('"gone"');
  });

  it('refuses a value sealed by another ring whose key shares the id', () => {
    const other = new Vault(KeyRing.parse(KeyRing.generateSpec('k1')));
    expect(codeOf(vault, other.seal(secret, binding))).toBe('decrypt_failed');
  });

  it.each([
    ['empty', ''],
    ['plain text', 'not sealed at all'],
    ['too few parts', 'v1.k1.AAAAAAAAAAAAAAAA.AAAA'],
    ['an unknown version', 'v2.k1.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a bad key id', 'v1.k*1.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a short IV', 'v1.k1.AAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a short tag', 'v1.k1.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAA'],
    ['padding in a part', 'v1.k1.AAAAAAAAAAAAAAAA.AA==.AAAAAAAAAAAAAAAAAAAAAA'],
    ['base64 (not url) characters', 'v1.k1.AAAAAAAAAAAAAAAA.A+/A.AAAAAAAAAAAAAAAAAAAAAA'],
    ['an oversized body', `v1.k1.AAAAAAAAAAAAAAAA.${'A'.repeat(100_000)}.AAAAAAAAAAAAAAAAAAAAAA`],
  ])('calls a value with %s malformed', (_case, sealed) => {
    expect(codeOf(vault, sealed)).toBe('malformed');
  });

  it('refuses a plaintext over the size limit with a RangeError', () => {
    expect(() => vault.seal('x'.repeat(Vault.MAX_PLAINTEXT_BYTES + 1), binding)).toThrow(
      RangeError,
    );
    const atLimit = 'x'.repeat(Vault.MAX_PLAINTEXT_BYTES);
    expect(vault.open(vault.seal(atLimit, binding), binding)).toBe(atLimit);
  });

  it('refuses misuse early with a TypeError', () => {
    expect(() => new Vault('k1:abc' as unknown as KeyRing)).toThrow(TypeError);
    expect(() => vault.seal(secret, { ...binding, owner: '' })).toThrow(TypeError);
    expect(() => vault.seal(secret, { owner: 'o', field: 'f' } as SealBinding)).toThrow(TypeError);
    expect(() => vault.seal('\ud800 lone surrogate', binding)).toThrow(TypeError);
  });
});

describe('vault key rotation', () => {
  const k1 = KeyRing.generateSpec('k1');
  const k2 = KeyRing.generateSpec('k2');
  const before = new Vault(KeyRing.parse(k1));
  const during = new Vault(KeyRing.parse(`${k2},${k1}`));
  const after = new Vault(KeyRing.parse(k2));

  it('opens old values after a new key is prepended, and flags them for resealing', () => {
    const old = before.seal(secret, binding);
    expect(before.isSealedWithActiveKey(old)).toBe(true);
    expect(during.open(old, binding)).toBe(secret);
    expect(during.isSealedWithActiveKey(old)).toBe(false);
  });

  it('reseals under the active key so the old key can be dropped', () => {
    const old = before.seal(secret, binding);
    const resealed = during.reseal(old, binding);
    expect(resealed).toMatch(/^v1\.k2\./);
    expect(during.isSealedWithActiveKey(resealed)).toBe(true);
    expect(after.open(resealed, binding)).toBe(secret);
    expect(codeOf(after, old)).toBe('unknown_key');
  });

  it('does not reseal a value under another binding', () => {
    const old = before.seal(secret, binding);
    expect(() => during.reseal(old, { ...binding, owner: 'user:43' })).toThrow(
      expect.objectContaining({ code: 'decrypt_failed' }),
    );
  });

  it('calls a malformed value malformed when asked about its key', () => {
    expect(() => during.isSealedWithActiveKey('v1.k2')).toThrow(
      expect.objectContaining({ code: 'malformed' }),
    );
  });
});

describe('vault JSON values', () => {
  const vault = new Vault(KeyRing.parse(KeyRing.generateSpec('k1')));

  it('opens a sealed JSON object', () => {
    const sealed = vault.seal(JSON.stringify({ token: 'ghp_x' }), binding);
    expect(vault.openJson<{ token: string }>(sealed, binding)).toEqual({ token: 'ghp_x' });
  });

  it('refuses a sealed value that is not JSON without quoting it', () => {
    const sealed = vault.seal('plain-secret-not-json', binding);
    let caught: unknown;
    try {
      vault.openJson(sealed, binding);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(VaultError);
    expect((caught as VaultError).code).toBe('malformed');
    expect((caught as Error).message).not.toContain('plain-secret');
  });
});

describe('keys derived from the vault ring', () => {
  it('gives one 32-byte key per vault key, the active first, distinct per purpose and per ring', () => {
    const k1 = KeyRing.generateSpec('k1');
    const k2 = KeyRing.generateSpec('k2');
    const rotated = new Vault(KeyRing.parse(`${k2},${k1}`)).deriveKeys('cookies');
    const before = new Vault(KeyRing.parse(k1)).deriveKeys('cookies');
    expect(rotated).toHaveLength(2);
    expect(rotated[0]).toHaveLength(32);
    // The old key still verifies what was signed before the rotation.
    expect(rotated[1].equals(before[0])).toBe(true);
    expect(rotated[0].equals(before[0])).toBe(false);
    expect(new Vault(KeyRing.parse(k1)).deriveKeys('csrf')[0].equals(before[0])).toBe(false);
  });
});
