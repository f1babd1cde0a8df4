import { randomBytes } from 'node:crypto';
import { ConfigError, gatewaySchema, loadConfig, tokenBrokerSchema } from '@app/config';
import { KeyRing } from '@app/crypto';

describe('config validation', () => {
  const valid = {
    ADMIN_TOKEN: 'x'.repeat(32),
    VAULT_KEYS: KeyRing.generateSpec('k1'),
    API_KEY_PEPPER: randomBytes(32).toString('base64'),
    INTERNAL_API_TOKEN: 'i'.repeat(32),
  };
  const gateway = { INTERNAL_API_TOKEN: 'i'.repeat(32) };

  it('fills defaults that point at the local Postgres and Redis', () => {
    const config = loadConfig(tokenBrokerSchema, valid);
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/mcp_gateway');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.ADMIN_PORT).toBe(8082);
    expect(config.POLICY_DEFAULT).toBe('deny');
  });

  it('the internal API listens on its own loopback port by default; the gateway finds it there', () => {
    const config = loadConfig(tokenBrokerSchema, valid);
    expect([config.INTERNAL_PORT, config.INTERNAL_HOST]).toEqual([8084, '127.0.0.1']);
    expect(loadConfig(gatewaySchema, gateway).BROKER_INTERNAL_URL).toBe('http://127.0.0.1:8084');
    expect(() => loadConfig(gatewaySchema, { ...gateway, BROKER_INTERNAL_URL: 'ftp://x' })).toThrow(
      /BROKER_INTERNAL_URL/,
    );
  });

  it('names a missing required variable', () => {
    expect(() => loadConfig(tokenBrokerSchema, {})).toThrow(/ADMIN_TOKEN: is required/);
  });

  it('names a bad variable and never echoes its value', () => {
    const secretLooking = 'short-secret-value';
    let caught: unknown;
    try {
      loadConfig(tokenBrokerSchema, {
        ADMIN_TOKEN: secretLooking,
        REDIS_URL: 'http://secret-host',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toMatch(/ADMIN_TOKEN/);
    expect(message).toMatch(/REDIS_URL/);
    expect(message).not.toContain(secretLooking);
    expect(message).not.toContain('secret-host');
  });

  it('rejects a port that is not a port', () => {
    expect(() => loadConfig(tokenBrokerSchema, { ...valid, ADMIN_PORT: '99999' })).toThrow(
      /ADMIN_PORT/,
    );
  });

  it('refuses an ADMIN_TOKEN that could not travel in a Bearer header', () => {
    expect(() =>
      loadConfig(tokenBrokerSchema, { ADMIN_TOKEN: 'has a space in it 0123456789' }),
    ).toThrow(/ADMIN_TOKEN/);
  });

  it('refuses VAULT_KEYS it cannot parse, naming the variable and not the key', () => {
    const keyText = 'AAAAshort';
    let caught: unknown;
    try {
      loadConfig(tokenBrokerSchema, { ...valid, VAULT_KEYS: `k1:${keyText}` });
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toMatch(/VAULT_KEYS/);
    expect((caught as Error).message).not.toContain(keyText);
  });

  it('refuses a short API_KEY_PEPPER', () => {
    expect(() => loadConfig(tokenBrokerSchema, { ...valid, API_KEY_PEPPER: 'c2hvcnQ=' })).toThrow(
      /API_KEY_PEPPER/,
    );
  });

  it('refuses an INTERNAL_API_TOKEN equal to ADMIN_TOKEN (each API unreachable with the other token)', () => {
    expect(() =>
      loadConfig(tokenBrokerSchema, { ...valid, INTERNAL_API_TOKEN: valid.ADMIN_TOKEN }),
    ).toThrow(/INTERNAL_API_TOKEN: must differ from ADMIN_TOKEN/);
  });

  it.each([
    'http://broker.example.com',
    'ftp://127.0.0.1',
    'https://b.example.com/',
    'https://b.example.com?x=1',
    'https://u:p@b.example.com',
    'https://b.example.com/auth',
  ])(
    'SPEC-MUST 28: refuses BROKER_PUBLIC_URL=%s (https everywhere except loopback; an exact issuer)',
    (value) => {
      expect(() => loadConfig(tokenBrokerSchema, { ...valid, BROKER_PUBLIC_URL: value })).toThrow(
        /BROKER_PUBLIC_URL/,
      );
    },
  );

  it.each([
    'https://auth.example.com',
    'http://localhost:8081',
    'http://127.0.0.1:8081',
    'http://[::1]:8081',
  ])('SPEC-MUST 28: accepts BROKER_PUBLIC_URL=%s', (value) => {
    expect(
      loadConfig(tokenBrokerSchema, { ...valid, BROKER_PUBLIC_URL: value }).BROKER_PUBLIC_URL,
    ).toBe(value);
  });

  describe('GATEWAY_PUBLIC_URL: one rule in both apps (the token audience is compared exactly)', () => {
    const apps = [
      ['gateway', gatewaySchema, gateway],
      ['token-broker', tokenBrokerSchema, valid],
    ] as const;

    it.each([
      'http://127.0.0.1:8080/',
      'https://gw.example.com/',
      'https://gw.example.com/mcp',
      'https://gw.example.com?x=1',
      'https://gw.example.com#f',
      'https://u:p@gw.example.com',
      'http://gw.example.com',
      'ftp://127.0.0.1',
      'not a url',
    ])('both refuse %s, naming the variable', (value) => {
      for (const [, schema, base] of apps) {
        expect(() => loadConfig(schema, { ...base, GATEWAY_PUBLIC_URL: value })).toThrow(
          /GATEWAY_PUBLIC_URL/,
        );
      }
    });

    it.each(['https://gw.example.com', 'http://localhost:8080', 'http://[::1]:8080'])(
      'both accept %s as it is',
      (value) => {
        for (const [, schema, base] of apps) {
          expect(
            loadConfig(schema, { ...base, GATEWAY_PUBLIC_URL: value }).GATEWAY_PUBLIC_URL,
          ).toBe(value);
        }
      },
    );

    it('both default to http://127.0.0.1:8080', () => {
      expect(loadConfig(gatewaySchema, gateway).GATEWAY_PUBLIC_URL).toBe('http://127.0.0.1:8080');
      expect(loadConfig(tokenBrokerSchema, valid).GATEWAY_PUBLIC_URL).toBe('http://127.0.0.1:8080');
    });
  });

  describe('gateway inbound settings', () => {
    it('parses trusted issuers once, with the subject claim and algorithms defaulted', () => {
      const config = loadConfig(gatewaySchema, {
        ...gateway,
        GATEWAY_TRUSTED_ISSUERS: JSON.stringify([
          {
            issuer: 'https://kc.example.com/realms/main',
            jwks_uri: 'https://kc.example.com/certs',
          },
        ]),
      });
      expect(config.GATEWAY_TRUSTED_ISSUERS).toEqual([
        {
          issuer: 'https://kc.example.com/realms/main',
          jwks_uri: 'https://kc.example.com/certs',
          subject_claim: 'sub',
          algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        },
      ]);
    });

    it.each([
      ['not json', /GATEWAY_TRUSTED_ISSUERS: must be valid JSON/],
      ['[{"issuer":"x"}]', /GATEWAY_TRUSTED_ISSUERS/],
      ['[{"issuer":"x","jwks_uri":"https://k","algorithms":["HS256"]}]', /GATEWAY_TRUSTED_ISSUERS/],
    ])('refuses GATEWAY_TRUSTED_ISSUERS=%s without echoing it', (value, message) => {
      expect(() =>
        loadConfig(gatewaySchema, { ...gateway, GATEWAY_TRUSTED_ISSUERS: value }),
      ).toThrow(message);
    });

    it('turns GATEWAY_ALLOWED_ORIGINS into a lower-cased set', () => {
      const config = loadConfig(gatewaySchema, {
        ...gateway,
        GATEWAY_ALLOWED_ORIGINS: 'https://Claude.ai, http://localhost:6274',
      });
      expect([...config.GATEWAY_ALLOWED_ORIGINS]).toEqual([
        'https://claude.ai',
        'http://localhost:6274',
      ]);
    });

    it('requires INTERNAL_API_TOKEN (the gateway calls the broker for every credential)', () => {
      expect(() => loadConfig(gatewaySchema, {})).toThrow(/INTERNAL_API_TOKEN/);
    });
  });

  it('accepts an IdP issuer with a path (Keycloak realms, Microsoft tenants)', () => {
    const config = loadConfig(tokenBrokerSchema, {
      ...valid,
      LOGIN_IDP_ISSUER: 'https://kc.example.com/realms/main',
      LOGIN_IDP_CLIENT_ID: 'gateway',
    });
    expect(config.LOGIN_IDP_ISSUER).toBe('https://kc.example.com/realms/main');
  });

  it('needs a client id with a login IdP, an issuer for oidc, a secret for GitHub; no demo IdP in production', () => {
    expect(() =>
      loadConfig(tokenBrokerSchema, { ...valid, LOGIN_IDP_ISSUER: 'https://idp.example.com' }),
    ).toThrow(/LOGIN_IDP_CLIENT_ID: is required with LOGIN_IDP_ISSUER/);
    expect(() => loadConfig(tokenBrokerSchema, { ...valid, LOGIN_IDP_CLIENT_ID: 'abc' })).toThrow(
      /LOGIN_IDP_ISSUER/,
    );
    expect(() =>
      loadConfig(tokenBrokerSchema, {
        ...valid,
        LOGIN_IDP_KIND: 'github',
        LOGIN_IDP_CLIENT_ID: 'abc',
      }),
    ).toThrow(/LOGIN_IDP_CLIENT_SECRET/);
    expect(() =>
      loadConfig(tokenBrokerSchema, {
        ...valid,
        LOGIN_IDP_ISSUER: 'http://idp.example.com',
        LOGIN_IDP_CLIENT_ID: 'a',
      }),
    ).toThrow(/LOGIN_IDP_ISSUER: must use https/);
    expect(() =>
      loadConfig(tokenBrokerSchema, { ...valid, NODE_ENV: 'production', DEMO_IDP_ENABLED: 'true' }),
    ).toThrow(/DEMO_IDP_ENABLED/);
  });

  it('parses the comma lists AS_ADMIN_EMAILS and AS_INTROSPECTION_CLIENTS once into sets', () => {
    const config = loadConfig(tokenBrokerSchema, {
      ...valid,
      AS_ADMIN_EMAILS: ' Admin@Example.com,,ops@example.com ',
      AS_INTROSPECTION_CLIENTS: 'gateway, auditor',
    });
    expect(config.AS_ADMIN_EMAILS).toEqual(new Set(['admin@example.com', 'ops@example.com']));
    expect(config.AS_INTROSPECTION_CLIENTS).toEqual(new Set(['gateway', 'auditor']));
    expect(loadConfig(tokenBrokerSchema, valid).AS_ADMIN_EMAILS).toEqual(new Set());
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig(tokenBrokerSchema, { ...valid, POLICY_DEFAULT: '' }).POLICY_DEFAULT).toBe(
      'deny',
    );
  });
});
