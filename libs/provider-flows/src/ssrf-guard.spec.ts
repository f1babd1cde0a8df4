import { assertFetchable, isForbiddenAddress } from './ssrf-guard';

describe('SSRF guard for provider URLs (SPEC-MUST 32)', () => {
  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '127.0.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:10.0.0.1',
    '::ffff:a00:1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888'])(
    'allows the public address %s',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );

  // Literal addresses are judged without any network traffic.
  it('refuses a literal private or metadata address before connecting', async () => {
    for (const url of [
      'https://10.0.0.1/.well-known/openid-configuration',
      'https://169.254.169.254/latest',
      'https://[fd00::1]/x',
      'https://[::ffff:10.0.0.1]/x',
    ]) {
      await expect(assertFetchable(url)).rejects.toMatchObject({ code: 'bad_response' });
    }
  });

  it('refuses plain http except on a loopback name (local development)', async () => {
    await expect(assertFetchable('http://8.8.8.8/x')).rejects.toMatchObject({
      code: 'bad_response',
    });
    await expect(assertFetchable('http://127.0.0.1:9999/x')).resolves.toBeInstanceOf(URL);
  });
});
