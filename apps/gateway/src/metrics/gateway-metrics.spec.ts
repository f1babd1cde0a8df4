import { GatewayError } from '../http/gateway-error';
import { authErrorType } from './auth-error-type';
import { methodLabel } from './gateway-metrics';

describe('metric labels come from closed sets (SPEC-MUST 34)', () => {
  it.each([
    ['POST', 'tools/call', 'tools/call'],
    ['POST', 'notifications/initialized', 'notifications/initialized'],
    ['POST', 'response', 'response'],
    ['POST', 'tools/call-secret-token-abc', 'other'],
    ['POST', undefined, 'none'],
    ['GET', undefined, 'stream'],
    ['DELETE', undefined, 'delete'],
  ])('%s %s → mcp_method=%s', (http, method, label) => {
    expect(methodLabel(http, method)).toBe(label);
  });

  it('tells an expired token, an unknown key and an unverifiable credential apart', () => {
    const bearer = { scheme: 'bearer', token: 't' } as const;
    const key = { scheme: 'api_key', key: 'k' } as const;
    expect(authErrorType(new GatewayError('invalid_token', 'the token has expired'), bearer)).toBe(
      'expired',
    );
    expect(authErrorType(new GatewayError('invalid_token', 'the token is not valid'), bearer)).toBe(
      'invalid_token',
    );
    expect(authErrorType(new GatewayError('invalid_token', 'the API key is not valid'), key)).toBe(
      'unknown_key',
    );
    const down = new GatewayError('invalid_token', 'could not be verified', { cause: new Error() });
    expect(authErrorType(down, bearer)).toBe('unverifiable');
    expect(authErrorType(new GatewayError('broker_unavailable', 'x'), key)).toBe('unverifiable');
    expect(authErrorType(new Error('boom'), bearer)).toBe('unverifiable');
  });
});
