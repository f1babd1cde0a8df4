import { acceptableEndpoint } from './provider-metadata.resolver';

describe('SPEC-MUST 32: endpoints a discovery document may name', () => {
  it.each([
    ['https://idp.example.com/token', 'https://idp.example.com', true],
    ['https://other.example.net/token', 'https://idp.example.com', true],
    ['http://idp.example.com/token', 'https://idp.example.com', false],
    ['http://127.0.0.1:9000/token', 'https://idp.example.com', false],
    ['https://localhost/token', 'https://idp.example.com', false],
    ['http://[::1]:9000/token', 'https://idp.example.com', false],
    ['https://user:pw@idp.example.com/token', 'https://idp.example.com', false],
    ['https://idp.example.com/token#x', 'https://idp.example.com', false],
    ['not a url', 'https://idp.example.com', false],
    // A local development issuer may name local endpoints.
    ['http://127.0.0.1:9000/token', 'http://127.0.0.1:9000', true],
  ])('%s from issuer %s → %s', (endpoint, issuer, ok) => {
    expect(acceptableEndpoint(endpoint, issuer)).toBe(ok);
  });
});
