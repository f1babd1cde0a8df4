import { createCodeVerifier, isValidCodeVerifier, s256Challenge, verifyS256 } from '@app/crypto';

// RFC 7636 Appendix B.
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE S256 (RFC 7636)', () => {
  it('derives the Appendix B challenge from the Appendix B verifier', () => {
    expect(s256Challenge(RFC_VERIFIER)).toBe(RFC_CHALLENGE);
  });

  it('verifies the matching challenge and rejects any other', () => {
    expect(verifyS256(RFC_VERIFIER, RFC_CHALLENGE)).toBe(true);
    expect(verifyS256(RFC_VERIFIER, `${RFC_CHALLENGE.slice(0, -1)}d`)).toBe(false);
    expect(verifyS256(createCodeVerifier(), RFC_CHALLENGE)).toBe(false);
  });

  it('rejects instead of throwing on input a client could send', () => {
    expect(verifyS256('short', RFC_CHALLENGE)).toBe(false);
    expect(verifyS256(RFC_VERIFIER, '')).toBe(false);
    expect(verifyS256(RFC_VERIFIER, `${RFC_CHALLENGE}=`)).toBe(false);
    expect(verifyS256(RFC_VERIFIER, RFC_VERIFIER)).toBe(false); // plain method is not S256
    expect(verifyS256(undefined as unknown as string, RFC_CHALLENGE)).toBe(false);
  });

  it('creates 43-character verifiers of the unreserved set that differ each time', () => {
    const verifier = createCodeVerifier();
    expect(verifier).toHaveLength(43);
    expect(isValidCodeVerifier(verifier)).toBe(true);
    expect(verifyS256(verifier, s256Challenge(verifier))).toBe(true);
    expect(createCodeVerifier()).not.toBe(verifier);
  });

  it.each([
    ['42 characters', 'a'.repeat(42), false],
    ['43 characters', 'a'.repeat(43), true],
    ['128 characters', 'a'.repeat(128), true],
    ['129 characters', 'a'.repeat(129), false],
    ['every unreserved character', `${'Az09'.repeat(10)}-._~`, true],
    ['a plus sign', `${'a'.repeat(42)}+`, false],
    ['a space', `${'a'.repeat(42)} `, false],
    ['non-ASCII', `${'a'.repeat(42)}é`, false],
  ])('judges a verifier with %s', (_case, verifier, valid) => {
    expect(isValidCodeVerifier(verifier)).toBe(valid);
  });

  it('refuses to derive a challenge from an invalid verifier', () => {
    expect(() => s256Challenge('too-short')).toThrow(TypeError);
  });
});
