import { gatewaySchema } from './env.schema';
import { loadConfig } from './load-config';

const gateway = { INTERNAL_API_TOKEN: 'i'.repeat(32) };

describe('GATEWAY_RATE_LIMIT and the metrics listener (issue 9 §5)', () => {
  it('is on by default: 600 requests per 60 s per principal and upstream; metrics on 127.0.0.1:8085', () => {
    const config = loadConfig(gatewaySchema, gateway);
    expect(config.GATEWAY_RATE_LIMIT).toEqual({
      enabled: true,
      default: { max: 600, window_s: 60 },
      upstreams: {},
    });
    expect([config.GATEWAY_METRICS_HOST, config.GATEWAY_METRICS_PORT]).toEqual(['127.0.0.1', 8085]);
  });

  it('takes per-upstream rules over the default, and is off only when explicitly disabled', () => {
    const config = loadConfig(gatewaySchema, {
      ...gateway,
      GATEWAY_RATE_LIMIT: '{"upstreams":{"github":{"max":30,"window_s":10}}}',
    });
    expect(config.GATEWAY_RATE_LIMIT.upstreams.github).toEqual({ max: 30, window_s: 10 });
    expect(config.GATEWAY_RATE_LIMIT.default).toEqual({ max: 600, window_s: 60 });
    expect(
      loadConfig(gatewaySchema, { ...gateway, GATEWAY_RATE_LIMIT: '{"enabled":false}' })
        .GATEWAY_RATE_LIMIT.enabled,
    ).toBe(false);
  });

  it.each([
    ['not JSON', '{max:1}', /GATEWAY_RATE_LIMIT: must be valid JSON/],
    ['an unknown field', '{"defualt":{"max":1,"window_s":1}}', /GATEWAY_RATE_LIMIT/],
    ['a zero max', '{"default":{"max":0,"window_s":60}}', /GATEWAY_RATE_LIMIT/],
    ['a window in ms', '{"default":{"max":10,"window_ms":60000}}', /GATEWAY_RATE_LIMIT/],
    [
      'an upstream name no upstream can have',
      '{"upstreams":{"Git Hub":{"max":1,"window_s":1}}}',
      /GATEWAY_RATE_LIMIT/,
    ],
  ])('refuses %s, naming the variable', (_case, value, message) => {
    expect(() => loadConfig(gatewaySchema, { ...gateway, GATEWAY_RATE_LIMIT: value })).toThrow(
      message,
    );
  });
});
