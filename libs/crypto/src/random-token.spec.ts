import { randomToken } from '@app/crypto';

describe('random tokens', () => {
  it('encodes 32 random bytes as 43 base64url characters by default', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(randomToken()).not.toBe(token);
  });

  it('encodes the requested number of bytes', () => {
    expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16);
    expect(Buffer.from(randomToken(64), 'base64url')).toHaveLength(64);
  });

  it.each([0, 15, 1025, 32.5, Number.NaN])('refuses a guessable or absurd size (%p bytes)', (n) => {
    expect(() => randomToken(n)).toThrow(RangeError);
  });
});
