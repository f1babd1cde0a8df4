import type { DeviceCodeRemedy, OAuthRemedy } from './internal-api/credential-resolution.schema';
import { remedyInstructions } from './remedy-instructions';

const device: DeviceCodeRemedy = {
  auth_type: 'device_code',
  provider: 'github',
  user_code: 'WDJB-MJHT',
  verification_uri: 'https://github.com/login/device',
  expires_in: 900,
  interval: 5,
};
const oauth: OAuthRemedy = {
  auth_type: 'oauth',
  provider: 'github',
  authorization_url: 'https://broker.example.com/connect/start/abc',
  state: 'abc',
  expires_in: 600,
};

describe('the seed -32001 instructions text, built once from the remedy facts', () => {
  it('device code after a failed tool call: where to go, the code, and that the call can be retried', () => {
    expect(remedyInstructions(device)).toBe(
      'Go to https://github.com/login/device and enter code: WDJB-MJHT. The call can be retried once you have approved it.',
    );
  });

  it('device code asked for directly (/mcp/auth/device/authorize): the broker continues by itself', () => {
    expect(remedyInstructions(device, 'connect')).toBe(
      'Go to https://github.com/login/device and enter code: WDJB-MJHT. The gateway continues by itself once you approve.',
    );
  });

  it('oauth after a failed tool call names the provider and says to retry', () => {
    expect(remedyInstructions(oauth)).toBe(
      'Visit the authorization URL to connect your github account, then retry the call.',
    );
    expect(remedyInstructions(oauth, 'connect')).toBe(
      'Visit the authorization URL to connect your github account.',
    );
  });
});
