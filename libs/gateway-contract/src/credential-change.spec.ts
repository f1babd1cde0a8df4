import { credentialChannel, parseCredentialChange } from './credential-change';

describe('credential change messages', () => {
  it('lives under the deployment key prefix', () => {
    expect(credentialChannel('mcpgw:')).toBe('mcpgw:credentials:changed');
  });

  it('reads a subject change and an everything change', () => {
    expect(parseCredentialChange('{"subject":"user-1"}')).toEqual({ subject: 'user-1' });
    expect(parseCredentialChange('{"all":true}')).toEqual({ all: true });
  });

  it.each([
    'not json',
    '{}',
    '{"all":false}',
    '{"subject":""}',
    '{"subject":"u","access_token":"x"}',
    '{"subject":"u","all":true}',
  ])('ignores %s', (message) => {
    expect(parseCredentialChange(message)).toBeUndefined();
  });
});
