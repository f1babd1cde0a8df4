import { KeyRing, VaultError } from '@app/crypto';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

const key = (bytes = 32) => randomBytes(bytes).toString('base64url');

function parseError(spec: string): VaultError {
  try {
    KeyRing.parse(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(VaultError);
    expect((error as VaultError).code).toBe('invalid_key_ring');
    return error as VaultError;
  }
  throw new Error('KeyRing.parse accepted the spec');
}

describe('VAULT_KEYS key ring', () => {
  it('makes the first entry the active key and keeps every id for opening', () => {
    const ring = KeyRing.parse(`k2:${key()},k1:${key()}`);
    expect(ring.activeId).toBe('k2');
    expect(ring.ids).toEqual(['k2', 'k1']);
    expect(ring.has('k1')).toBe(true);
    expect(ring.has('k3')).toBe(false);
  });

  it('accepts base64 and base64url, padded or not, and spaces around entries', () => {
    const bytes = Buffer.alloc(32, 0xfb); // encodes with + and / in base64, - and _ in base64url
    const spec = [
      `a:${bytes.toString('base64')}`,
      ` b:${bytes.toString('base64').replace(/=+$/, '')} `,
      `c:${bytes.toString('base64url')}`,
      `d:${bytes.toString('base64url')}=`,
    ].join(',');
    expect(KeyRing.parse(spec).ids).toEqual(['a', 'b', 'c', 'd']);
  });

  it('generates a spec it can parse, with distinct keys each time', () => {
    const spec = KeyRing.generateSpec('dev');
    expect(spec).toMatch(/^dev:[A-Za-z0-9_-]{43}$/);
    expect(KeyRing.parse(spec).activeId).toBe('dev');
    expect(KeyRing.generateSpec()).toMatch(/^k1:/);
    expect(KeyRing.generateSpec()).not.toBe(KeyRing.generateSpec());
    expect(() => KeyRing.generateSpec('has.dot')).toThrow(TypeError);
  });

  it('refuses an empty spec', () => {
    expect(parseError('').message).toMatch(/no keys/);
    expect(parseError('  ').message).toMatch(/no keys/);
  });

  it('refuses an empty entry such as a trailing comma', () => {
    expect(parseError(`k1:${key()},`).message).toMatch(/entry 2 is empty/);
  });

  it('refuses a repeated id', () => {
    expect(parseError(`k1:${key()},k1:${key()}`).message).toMatch(/entry 2 \(id "k1"\) repeats/);
  });

  it.each([
    ['too short', key(16), /16 bytes, expected 32/],
    ['too long', key(33), /33 bytes, expected 32/],
    ['not base64', `${key().slice(0, 40)}!!!`, /not valid base64/],
    ['mixing base64 and base64url alphabets', `+${key().slice(1, 42)}_`, /not valid base64/],
    ['carrying non-zero padding bits', `${key().slice(0, 42)}B`, /not valid base64/],
  ])('refuses a key %s, naming the entry but never the key', (_case, material, problem) => {
    const message = parseError(`k1:${key()},k2:${material}`).message;
    expect(message).toMatch(/entry 2 \(id "k2"\)/);
    expect(message).toMatch(problem);
    expect(message).not.toContain(material);
    expect(message).not.toContain(material.slice(0, 8));
  });

  it.each([
    ['an empty id', `:${key()}`],
    ['an id with a dot', `k.1:${key()}`],
    ['an id over 32 characters', `${'k'.repeat(33)}:${key()}`],
    ['no separator', key()],
  ])('refuses %s without echoing the entry', (_case, entry) => {
    const message = parseError(entry).message;
    expect(message).toMatch(/entry 1/);
    expect(message).not.toContain(entry.split(':').pop()!.slice(0, 8));
  });

  it('reports every bad entry at once', () => {
    const message = parseError(`k*:${key()},,k1:${key(8)}`).message;
    expect(message).toMatch(/entry 1 .*entry 2 .*entry 3 /);
  });

  it('shows no key material when logged or serialised', () => {
    const material = key();
    const ring = KeyRing.parse(`k1:${material}`);
    const hex = Buffer.from(material, 'base64url').toString('hex');
    const shown = `${JSON.stringify(ring)} ${inspect(ring, { depth: 5, showHidden: true })}`;
    expect(shown).not.toContain(material);
    expect(shown).not.toContain(hex.slice(0, 16));
  });
});
