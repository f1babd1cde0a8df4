import { isLoopbackHost } from './loopback-host';
import { sha256Hex } from './sha256';

describe('sha256Hex', () => {
  it('is the FIPS 180-4 test vector for "abc"', () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
  it('hashes the UTF-8 bytes', () => {
    expect(sha256Hex('é')).toBe(sha256Hex('\u00e9'));
    expect(sha256Hex('é')).not.toBe(sha256Hex('e\u0301'));
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '[::1]', 'LOCALHOST'])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(['127.0.0.2', 'localhost.example.com', 'example.com', '::1', '0.0.0.0'])(
    'refuses %s',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
  it('agrees with URL.hostname for an IPv6 loopback URL', () => {
    expect(isLoopbackHost(new URL('http://[::1]:8080/cb').hostname)).toBe(true);
  });
});
