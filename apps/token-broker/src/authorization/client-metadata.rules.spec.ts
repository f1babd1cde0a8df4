import { redirectUriProblem } from './client-metadata.rules';

describe('RFC 8252 §7.1 and SPEC-MUST 28: which redirect URIs a client may register', () => {
  it.each([
    ['https://app.example.com/cb', false],
    ['http://127.0.0.1:9999/callback', false],
    ['http://localhost/cb', true],
    ['http://[::1]:8000/cb', true],
    ['com.example.app:/oauth/callback', true],
    ['com.example.app://callback', true],
  ])('accepts %s (native: %s)', (uri, native) => {
    expect(redirectUriProblem(uri, native)).toBeUndefined();
  });

  it.each([
    'ms-msdt:/id',
    'chrome://settings',
    'ws://127.0.0.1:9999/cb',
    'ftp://files.example.com/cb',
    'javascript:alert(1)',
    'data:text/html,x',
    'file:///etc/passwd',
    'myapp:/cb',
  ])('refuses the custom scheme of %s for a native app: reverse-domain form only', (uri) => {
    expect(redirectUriProblem(uri, true)).toMatch(/must not use this scheme.*reverse-domain/);
  });

  it.each([
    ['https://trusted.example@evil.example/cb', false],
    ['https://user:pass@app.example.com/cb', false],
    ['https://@app.example.com/cb', false],
    ['http://user@127.0.0.1:9999/cb', false],
    ['com.example.app://user@host/cb', true],
  ])('refuses userinfo in %s', (uri, native) => {
    expect(redirectUriProblem(uri, native)).toBe('redirect_uris must not contain userinfo');
  });

  it('refuses a custom scheme for a web client and plain http off loopback', () => {
    expect(redirectUriProblem('com.example.app:/cb', false)).toMatch(/only native clients/);
    expect(redirectUriProblem('http://app.example.com/cb', true)).toMatch(/must use https/);
  });
});
