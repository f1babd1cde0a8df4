import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { SigningKeyStore } from '@app/vault';
import { OAuthRecordRepository } from '@app/persistence';
import { AuthorizationServer } from '../../apps/token-broker/src/authorization/authorization-server';
import { createLogger } from '@app/observability';
import { ConsentCookies } from '../../apps/token-broker/src/authorization/consent-cookie';
import { BrowserAgent, readForm } from '../support/browser-agent';
import {
  DEMO_PASSWORD,
  GATEWAY_URL,
  registerUpstream,
  startAuthorizationServer,
} from '../support/authorization-server.harness';
import {
  authorizeInBrowser,
  authorizeUrl,
  pkcePair,
  registerClient,
  tokenRequest,
} from '../support/oauth-flow';
import type { AdminApiHarness } from '../support/admin-api.harness';

// The broker as the OAuth 2.1 authorization server MCP clients log in through (SPEC-MUST 19-28),
// with the demo IdP as the upstream login, real Postgres and Redis, and every log line captured.

const CIMD_HOST = 'https://client.example.test';
const logLines: string[] = [];
let broker: AdminApiHarness & { issuer: string };
let cimdServer: Server;
let cimdPort: number;
/** What the test's DNS answers for the names the CIMD tests use. */
const TEST_DNS: Record<string, string[]> = {
  'client.example.test': ['192.0.2.10'],
  'internal.example.test': ['10.1.2.3'],
  'metadata.example.test': ['169.254.169.254'],
  'mixed.example.test': ['192.0.2.11', '127.0.0.1'],
};
/** Every URL the engine fetched for a Client ID Metadata Document. */
const fetchedUrls: string[] = [];
/** Documents the fake https client host serves, by path. */
const cimdDocuments = new Map<string, { status?: number; body: string }>();

const CALLBACK = 'http://127.0.0.1:9999/callback';
const DEFAULT_SCOPE = 'mcp:tools:read mcp:tools:execute mcp:resources:read mcp:prompts:read';

beforeAll(async () => {
  cimdServer = createServer((req, res) => {
    const doc = cimdDocuments.get(req.url ?? '');
    res.writeHead(doc?.status ?? (doc === undefined ? 404 : 200), {
      'content-type': 'application/json',
    });
    res.end(doc?.body ?? '{}');
  });
  await new Promise<void>((resolve) => cimdServer.listen(0, '127.0.0.1', resolve));
  cimdPort = (cimdServer.address() as AddressInfo).port;
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  // Strict rotation here (these tests present rotated tokens again at once); the reuse window
  // has its own broker in authorization-refresh-reuse.e2e-spec.ts.
  broker = await startAuthorizationServer(
    { AS_REFRESH_REUSE_WINDOW_SECONDS: '0' },
    createLogger('token-broker', 'trace', capture),
    {
      // Serves https://client.example.test/* from the local server; every other URL goes through
      // the engine's own fetch options (its SSRF-protected dispatcher) untouched.
      outbound: {
        // The test host "resolves" to a public documentation address; everything else to what the
        // name says (private literals stay private), so the address check is exercised for real.
        lookup: async (host) => TEST_DNS[host] ?? [host],
        fetch: (input, init) => {
          const url = String(input);
          fetchedUrls.push(url);
          if (url.startsWith(`${CIMD_HOST}/`)) {
            const { dispatcher: _dispatcher, ...rest } = (init ?? {}) as RequestInit & {
              dispatcher?: unknown;
            };
            return fetch(`http://127.0.0.1:${cimdPort}${url.slice(CIMD_HOST.length)}`, rest);
          }
          return fetch(input, init);
        },
      },
    },
  );
  await registerUpstream(broker, 'github');
  await registerUpstream(broker, 'slack');
});

afterAll(async () => {
  await broker?.close();
  await new Promise((resolve) => cimdServer?.close(resolve));
});

async function nativeClient(name = 'Test MCP client', extra: Record<string, unknown> = {}) {
  const registered = await registerClient(broker.issuer, {
    redirect_uris: [CALLBACK],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    client_name: name,
    ...extra,
  });
  expect(registered.status).toBe(201);
  return registered.json as { client_id: string; client_secret?: string };
}

/** A whole login: authorize in the browser stand-in, then exchange the code. */
async function login(
  clientId: string,
  options: { resource?: string; scope?: string; agent?: BrowserAgent } = {},
) {
  const { verifier, challenge } = pkcePair();
  const agent = options.agent ?? new BrowserAgent();
  const state = `state-${Math.random().toString(36).slice(2)}`;
  const flow = await authorizeInBrowser(agent, broker.issuer, {
    clientId,
    redirectUri: CALLBACK,
    challenge,
    state,
    scope: options.scope,
    resource: options.resource,
  });
  const code = flow.redirect.searchParams.get('code');
  expect(code).toBeTruthy();
  const token = await tokenRequest(broker.issuer, {
    grant_type: 'authorization_code',
    code: code!,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
    client_id: clientId,
    ...(options.resource === undefined ? {} : { resource: options.resource }),
  });
  return { flow, token, code: code!, verifier, state, agent };
}

/** A refresh-token grant of a public client. */
function refresh(clientId: string, refreshToken: string) {
  return tokenRequest(broker.issuer, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: clientId,
  });
}

/**
 * Presents one refresh token `times` at once; whichever requests won, the token each got must be
 * dead (reuse revoked the family). Returns the winners.
 */
async function raceRefresh(clientId: string, refreshToken: string, times: number) {
  const answers = await Promise.all(
    Array.from({ length: times }, () => refresh(clientId, refreshToken)),
  );
  const won = answers.filter((a) => a.status === 200);
  for (const answer of won) {
    expect((await refresh(clientId, answer.json.refresh_token)).json.error).toBe('invalid_grant');
  }
  return won;
}

/** Starts an authorization request and returns the first page or error redirect the browser sees. */
async function startAuthorization(agent: BrowserAgent, url: string) {
  return agent.follow(await agent.get(url), url, (u) => u.port === '9999');
}

describe('SPEC-MUST 19: authorization server metadata (RFC 8414, OIDC discovery)', () => {
  it.each(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])(
    '%s has the issuer byte for byte and the fields MCP clients need',
    async (path) => {
      const response = await fetch(`${broker.issuer}${path}`, {
        headers: { 'mcp-protocol-version': '2025-11-25' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const metadata = (await response.json()) as Record<string, unknown>;
      expect(metadata.issuer).toBe(broker.issuer);
      expect(metadata.authorization_endpoint).toBe(`${broker.issuer}/authorize`);
      expect(metadata.token_endpoint).toBe(`${broker.issuer}/token`);
      expect(metadata.registration_endpoint).toBe(`${broker.issuer}/register`);
      expect(metadata.jwks_uri).toBe(`${broker.issuer}/jwks`);
      expect(metadata.revocation_endpoint).toBe(`${broker.issuer}/revoke`);
      expect(metadata.introspection_endpoint).toBe(`${broker.issuer}/introspect`);
      expect(metadata.response_types_supported).toEqual(['code']);
      expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
      expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
      expect(metadata.client_id_metadata_document_supported).toBe(true);
      expect(metadata.token_endpoint_auth_methods_supported).toEqual([
        'none',
        'client_secret_basic',
        'client_secret_post',
      ]);
      expect(metadata.scopes_supported).toEqual(expect.arrayContaining(DEFAULT_SCOPE.split(' ')));
      expect(metadata.scopes_supported).not.toContain('offline_access');
      // Every advertised endpoint is actually served.
      for (const key of Object.keys(metadata).filter((k) => k.endsWith('_endpoint'))) {
        expect(String(metadata[key]).startsWith(broker.issuer)).toBe(true);
      }
    },
  );

  it('JWKS publishes the ES256 signing key without private parts', async () => {
    const jwks = (await (await fetch(`${broker.issuer}/jwks`)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
  });
});

describe('signing-key rotation', () => {
  it('a rotated key signs new tokens while the previous one stays published for old tokens', async () => {
    const { client_id } = await nativeClient();
    const before = (await login(client_id)).token.json.access_token as string;
    const store = broker.publicApp.get(SigningKeyStore);
    const server = broker.publicApp.get(AuthorizationServer);
    const newKid = await store.rotate();
    expect(await server.reloadIfKeysChanged()).toBe(true);
    expect(await server.reloadIfKeysChanged()).toBe(false);
    const after = (await login(client_id)).token.json.access_token as string;
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect(decodeProtectedHeader(before).kid).not.toBe(newKid);
    // A fresh key set: both verify against /jwks.
    const jwks = createRemoteJWKSet(new URL(`${broker.issuer}/jwks`));
    for (const token of [before, after]) {
      await expect(jwtVerify(token, jwks, { issuer: broker.issuer })).resolves.toBeDefined();
    }
  });
});

describe('SPEC-MUST 20 and 22: PKCE S256 only; iss on every authorization response', () => {
  it('a request without a code_challenge is sent back with invalid_request and iss', async () => {
    const { client_id } = await nativeClient();
    const agent = new BrowserAgent();
    const { url } = await startAuthorization(
      agent,
      authorizeUrl(broker.issuer, { clientId: client_id, redirectUri: CALLBACK, state: 's1' }),
    );
    const redirect = new URL(url);
    expect(redirect.origin + redirect.pathname).toBe(CALLBACK);
    expect(redirect.searchParams.get('error')).toBe('invalid_request');
    expect(redirect.searchParams.get('state')).toBe('s1');
    expect(redirect.searchParams.get('iss')).toBe(broker.issuer);
  });

  it('code_challenge_method=plain is refused with iss', async () => {
    const { client_id } = await nativeClient();
    const agent = new BrowserAgent();
    const { url } = await startAuthorization(
      agent,
      authorizeUrl(broker.issuer, {
        clientId: client_id,
        redirectUri: CALLBACK,
        state: 's2',
        extra: { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
      }),
    );
    const redirect = new URL(url);
    expect(redirect.searchParams.get('error')).toBe('invalid_request');
    expect(redirect.searchParams.get('error_description')).toMatch(/code_challenge_method/);
    expect(redirect.searchParams.get('iss')).toBe(broker.issuer);
  });

  it('a successful response carries code, the state echoed, and iss', async () => {
    const { client_id } = await nativeClient();
    const { flow, state } = await login(client_id);
    expect(flow.redirect.searchParams.get('state')).toBe(state);
    expect(flow.redirect.searchParams.get('iss')).toBe(broker.issuer);
  });

  it('a denied consent is sent back as access_denied with the state and iss', async () => {
    const { client_id } = await nativeClient();
    const { challenge } = pkcePair();
    const flow = await authorizeInBrowser(
      new BrowserAgent(),
      broker.issuer,
      { clientId: client_id, redirectUri: CALLBACK, challenge, state: 'deny-me' },
      { decision: 'deny' },
    );
    expect(flow.redirect.searchParams.get('error')).toBe('access_denied');
    expect(flow.redirect.searchParams.get('state')).toBe('deny-me');
    expect(flow.redirect.searchParams.get('iss')).toBe(broker.issuer);
    expect(flow.loginShown).toBe(false);
  });
});

describe('SPEC-MUST 21: redirect_uri matched exactly (loopback may vary the port only)', () => {
  it('an unregistered redirect_uri gets an error page, never a redirect to it', async () => {
    const { client_id } = await nativeClient();
    const { challenge } = pkcePair();
    for (const redirectUri of [
      'http://127.0.0.1:9999/callback/extra',
      'http://127.0.0.1:9999/other',
      'https://attacker.example/callback',
      'http://127.0.0.1:9999/callback?x=1',
    ]) {
      const response = await fetch(
        authorizeUrl(broker.issuer, { clientId: client_id, redirectUri, challenge }),
        { redirect: 'manual' },
      );
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('redirect_uri');
    }
  });

  it('a native client on loopback may use another port, nothing else', async () => {
    const { client_id } = await nativeClient();
    const { challenge } = pkcePair();
    const agent = new BrowserAgent();
    const url = authorizeUrl(broker.issuer, {
      clientId: client_id,
      redirectUri: 'http://127.0.0.1:45678/callback',
      challenge,
    });
    const { response } = await agent.follow(await agent.get(url), url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('127.0.0.1:45678');
  });

  it.each([
    [['http://app.example.com/cb'], 'web', /must use https/],
    [['http://app.example.com/cb'], 'native', /must use https/],
    [['com.example.app:/cb'], 'web', /only native clients/],
    [['javascript:alert(1)'], 'native', /must not use this scheme/],
  ])('SPEC-MUST 28: redirect URIs %j (%s) are refused', async (uris, type, reason) => {
    const registered = await registerClient(broker.issuer, {
      redirect_uris: uris,
      application_type: type,
    });
    expect(registered.status).toBe(400);
    expect(registered.json.error).toBe('invalid_redirect_uri');
    expect(registered.json.error_description).toMatch(reason);
  });

  it.each([
    [['ms-msdt:/id?PCWDiagnostic'], 'native', /reverse-domain form/],
    [['chrome://settings'], 'native', /reverse-domain form/],
    [['ws://127.0.0.1:9999/cb'], 'native', /reverse-domain form/],
    [['ftp://files.example.com/cb'], 'native', /reverse-domain form/],
    [['https://trusted.example@evil.example/cb'], 'web', /must not contain userinfo/],
    [['https://user:pass@app.example.com/cb'], 'native', /must not contain userinfo/],
    [['http://user@127.0.0.1:9999/cb'], 'native', /must not contain userinfo/],
  ])('RFC 8252 §7.1: redirect URIs %j (%s) are refused', async (uris, type, reason) => {
    const registered = await registerClient(broker.issuer, {
      redirect_uris: uris,
      application_type: type,
    });
    expect(registered.status).toBe(400);
    expect(registered.json.error).toBe('invalid_redirect_uri');
    expect(registered.json.error_description).toMatch(reason);
  });

  it('SPEC-MUST 28: post-logout redirect URIs follow the same rules (no open redirect after logout)', async () => {
    const registered = await registerClient(broker.issuer, {
      redirect_uris: [CALLBACK],
      post_logout_redirect_uris: ['http://evil.example/x'],
      application_type: 'native',
    });
    expect(registered.status).toBe(400);
    expect(registered.json.error_description).toMatch(/must use https/);
  });

  it('the logout confirmation is our page: not frameable, no third-party resources', async () => {
    const { client_id } = await nativeClient();
    const { agent } = await login(client_id);
    const response = await agent.get(`${broker.issuer}/session/end`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await response.text();
    expect(html).toContain('Sign out of the MCP gateway?');
    expect(html).not.toContain('googleapis');
  });

  it('a native app may use a private-use scheme', async () => {
    const registered = await registerClient(broker.issuer, {
      redirect_uris: ['com.example.app:/oauth/callback'],
      application_type: 'native',
    });
    expect(registered.status).toBe(201);
    expect(registered.json.token_endpoint_auth_method).toBe('none');
  });

  it('a web client must match exactly, port included', async () => {
    const registered = await registerClient(broker.issuer, {
      redirect_uris: ['https://app.example.com/cb'],
      token_endpoint_auth_method: 'none',
      application_type: 'web',
    });
    expect(registered.status).toBe(201);
    const { challenge } = pkcePair();
    const response = await fetch(
      authorizeUrl(broker.issuer, {
        clientId: registered.json.client_id,
        redirectUri: 'https://app.example.com:8443/cb',
        challenge,
      }),
      { redirect: 'manual' },
    );
    expect(response.status).toBe(400);
  });
});

describe('SPEC-MUST 23: token endpoint', () => {
  it('answers 200 JSON with no-store, access_token and token_type', async () => {
    const { client_id } = await nativeClient();
    const { token } = await login(client_id);
    expect(token.status).toBe(200);
    expect(token.headers.get('content-type')).toMatch(/^application\/json/);
    expect(token.headers.get('cache-control')).toContain('no-store');
    expect(typeof token.json.access_token).toBe('string');
    expect(token.json.token_type).toBe('Bearer');
    expect(typeof token.json.refresh_token).toBe('string');
  });

  it('a code presented several times at once is exchanged once; the others revoke the grant', async () => {
    const { client_id } = await nativeClient();
    const { verifier, challenge } = pkcePair();
    const flow = await authorizeInBrowser(new BrowserAgent(), broker.issuer, {
      clientId: client_id,
      redirectUri: CALLBACK,
      challenge,
    });
    const form = {
      grant_type: 'authorization_code',
      code: flow.redirect.searchParams.get('code')!,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
      client_id,
    };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => tokenRequest(broker.issuer, form)),
    );
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    expect(answers.filter((a) => a.json.error === 'invalid_grant')).toHaveLength(7);
    const refreshed = await refresh(client_id, won[0]!.json.refresh_token);
    expect(refreshed.json.error).toBe('invalid_grant');
  });

  it('an authorization code is single-use: a replay fails and revokes what the code issued', async () => {
    const { client_id } = await nativeClient();
    const { token, code, verifier } = await login(client_id);
    const replay = await tokenRequest(broker.issuer, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
      client_id,
    });
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('invalid_grant');
    const refreshed = await refresh(client_id, token.json.refresh_token);
    expect(refreshed.status).toBe(400);
    expect(refreshed.json.error).toBe('invalid_grant');
  });

  it('a wrong code_verifier or redirect_uri is invalid_grant', async () => {
    const { client_id } = await nativeClient();
    const { verifier, challenge } = pkcePair();
    const flow = await authorizeInBrowser(new BrowserAgent(), broker.issuer, {
      clientId: client_id,
      redirectUri: CALLBACK,
      challenge,
    });
    const code = flow.redirect.searchParams.get('code')!;
    const wrongVerifier = await tokenRequest(broker.issuer, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CALLBACK,
      code_verifier: pkcePair().verifier,
      client_id,
    });
    expect(wrongVerifier.status).toBe(400);
    expect(wrongVerifier.json.error).toBe('invalid_grant');
    void verifier;
  });

  it('a confidential client authenticates with client_secret_basic or client_secret_post', async () => {
    for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
      const registered = await nativeClient(`Confidential ${method}`, {
        token_endpoint_auth_method: method,
      });
      expect(registered.client_secret).toBeTruthy();
      const { verifier, challenge } = pkcePair();
      const flow = await authorizeInBrowser(new BrowserAgent(), broker.issuer, {
        clientId: registered.client_id,
        redirectUri: CALLBACK,
        challenge,
      });
      const form = {
        grant_type: 'authorization_code',
        code: flow.redirect.searchParams.get('code')!,
        redirect_uri: CALLBACK,
        code_verifier: verifier,
      };
      const basic = `Basic ${Buffer.from(`${encodeURIComponent(registered.client_id)}:${encodeURIComponent(registered.client_secret!)}`).toString('base64')}`;
      const token =
        method === 'client_secret_basic'
          ? await tokenRequest(broker.issuer, form, { authorization: basic })
          : await tokenRequest(broker.issuer, {
              ...form,
              client_id: registered.client_id,
              client_secret: registered.client_secret!,
            });
      expect(token.status).toBe(200);
      const wrong = await tokenRequest(broker.issuer, {
        grant_type: 'refresh_token',
        refresh_token: token.json.refresh_token,
        client_id: registered.client_id,
        client_secret: 'not-the-secret',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.json.error).toBe('invalid_client');
    }
  });
});

describe('SPEC-MUST 24: resource indicators, short-lived JWTs, refresh rotation and reuse detection', () => {
  it('the access token is an ES256 JWT for the requested resource, verifiable with /jwks', async () => {
    const { client_id } = await nativeClient();
    const resource = `${GATEWAY_URL}/mcp/github`;
    const { token } = await login(client_id, { resource });
    const jwks = createRemoteJWKSet(new URL(`${broker.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(token.json.access_token, jwks, {
      issuer: broker.issuer,
      audience: resource,
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload.client_id).toBe(client_id);
    expect(payload.scope).toBe(DEFAULT_SCOPE);
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(token.json.expires_in).toBe(600);
  });

  it('without a resource the audience is the gateway aggregated endpoint', async () => {
    const { client_id } = await nativeClient();
    const { token } = await login(client_id);
    expect(decodeJwt(token.json.access_token).aud).toBe(`${GATEWAY_URL}/mcp`);
  });

  it('a resource that is not the gateway is invalid_target', async () => {
    const { client_id } = await nativeClient();
    const { challenge } = pkcePair();
    const agent = new BrowserAgent();
    const { url } = await startAuthorization(
      agent,
      authorizeUrl(broker.issuer, {
        clientId: client_id,
        redirectUri: CALLBACK,
        challenge,
        resource: 'https://elsewhere.example/mcp',
      }),
    );
    expect(new URL(url).searchParams.get('error')).toBe('invalid_target');
    expect(new URL(url).searchParams.get('iss')).toBe(broker.issuer);
  });

  describe('refresh with a resource the grant does not cover', () => {
    it.each([
      [
        'another gateway route',
        `${GATEWAY_URL}/mcp/slack`,
        'resource indicator is missing, or unknown',
      ],
      [
        'a resource outside the gateway',
        'https://elsewhere.example/mcp',
        'resource indicator is missing, or unknown',
      ],
      [
        'two resources at once',
        undefined,
        'only a single resource indicator value must be requested/resolved during Access Token Request',
      ],
    ])(
      'answers invalid_target for %s and keeps the refresh token usable',
      async (_name, resource, description) => {
        const { client_id } = await nativeClient();
        const { token } = await login(client_id, { resource: `${GATEWAY_URL}/mcp/github` });
        const body = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: token.json.refresh_token,
          client_id,
        });
        if (resource === undefined) {
          body.append('resource', `${GATEWAY_URL}/mcp/github`);
          body.append('resource', `${GATEWAY_URL}/mcp`);
        } else {
          body.append('resource', resource);
        }
        const refused = await fetch(`${broker.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: body.toString(),
        });
        expect(refused.status).toBe(400);
        expect(await refused.json()).toEqual({
          error: 'invalid_target',
          error_description: description,
        });
        // The same token again, naming the granted resource: it was neither consumed nor revoked.
        const retried = await tokenRequest(broker.issuer, {
          grant_type: 'refresh_token',
          refresh_token: token.json.refresh_token,
          client_id,
          resource: `${GATEWAY_URL}/mcp/github`,
        });
        expect(retried.status).toBe(200);
        expect(decodeJwt(retried.json.access_token).aud).toBe(`${GATEWAY_URL}/mcp/github`);
        expect((await refresh(client_id, retried.json.refresh_token)).status).toBe(200);
      },
    );
  });

  describe('the token aud is the canonical resource, never the raw string', () => {
    it('a resource with an upper-case scheme and host gets the lower-cased URL as aud, on refresh too', async () => {
      const { client_id } = await nativeClient();
      const written = `${GATEWAY_URL.replace('http:', 'HTTP:')}/mcp/github`;
      const { token } = await login(client_id, { resource: written });
      expect(token.status).toBe(200);
      expect(decodeJwt(token.json.access_token).aud).toBe(`${GATEWAY_URL}/mcp/github`);
      const refreshed = await refresh(client_id, token.json.refresh_token);
      expect(refreshed.status).toBe(200);
      expect(decodeJwt(refreshed.json.access_token).aud).toBe(`${GATEWAY_URL}/mcp/github`);
    });

    it.each([`${GATEWAY_URL}/mcp/github/../slack`, `${GATEWAY_URL}/mcp/%2e%2e`])(
      'a resource with dot segments (%s) is refused with invalid_target',
      async (resource) => {
        const { client_id } = await nativeClient();
        const { url } = await startAuthorization(
          new BrowserAgent(),
          authorizeUrl(broker.issuer, {
            clientId: client_id,
            redirectUri: CALLBACK,
            challenge: pkcePair().challenge,
            resource,
          }),
        );
        const redirect = new URL(url);
        expect(redirect.origin + redirect.pathname).toBe(CALLBACK);
        expect(redirect.searchParams.get('error')).toBe('invalid_target');
        expect(redirect.searchParams.get('error_description')).toBe('resource is not this gateway');
        expect(redirect.searchParams.get('iss')).toBe(broker.issuer);
      },
    );
  });

  it('refresh tokens rotate on every use; reusing a rotated one revokes the whole family', async () => {
    const { client_id } = await nativeClient();
    const { token } = await login(client_id);
    const first = token.json.refresh_token as string;
    const rotated = await tokenRequest(broker.issuer, {
      grant_type: 'refresh_token',
      refresh_token: first,
      client_id,
      resource: `${GATEWAY_URL}/mcp`,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toContain('no-store');
    expect(rotated.json.refresh_token).not.toBe(first);
    expect(decodeJwt(rotated.json.access_token).aud).toBe(`${GATEWAY_URL}/mcp`);
    const second = rotated.json.refresh_token as string;

    const reuse = await refresh(client_id, first);
    expect(reuse.status).toBe(400);
    expect(reuse.json.error).toBe('invalid_grant');
    // The newest token of the family is gone too.
    const afterReuse = await refresh(client_id, second);
    expect(afterReuse.status).toBe(400);
    expect(afterReuse.json.error).toBe('invalid_grant');
  });

  it('a refresh token presented several times at once rotates once and the family is revoked', async () => {
    const { client_id } = await nativeClient();
    const { token } = await login(client_id);
    const won = await raceRefresh(client_id, token.json.refresh_token, 8);
    expect(won.length).toBeLessThanOrEqual(1);
  });

  it('two requests racing with one refresh token (attacker and client): the family is revoked every time', async () => {
    const { client_id } = await nativeClient();
    for (let round = 0; round < 10; round += 1) {
      const { token } = await login(client_id);
      await raceRefresh(client_id, token.json.refresh_token, 2);
    }
  });

  it('refresh tokens outlive the browser session at the broker', async () => {
    const { client_id } = await nativeClient();
    const { token } = await login(client_id);
    await broker.database.query(`DELETE FROM oauth_records WHERE model = 'Session'`);
    const refreshed = await refresh(client_id, token.json.refresh_token);
    expect(refreshed.status).toBe(200);
  });

  it('RFC 7009: a revoked refresh token no longer works', async () => {
    const { client_id } = await nativeClient();
    const { token } = await login(client_id);
    const revoke = await fetch(`${broker.issuer}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: token.json.refresh_token,
        token_type_hint: 'refresh_token',
        client_id,
      }).toString(),
    });
    expect(revoke.status).toBe(200);
    const refreshed = await refresh(client_id, token.json.refresh_token);
    expect(refreshed.json.error).toBe('invalid_grant');
  });

  it('RFC 7662: introspection is for authenticated callers only', async () => {
    const publicClient = await nativeClient();
    const { token } = await login(publicClient.client_id);
    const asPublic = await fetch(`${broker.issuer}/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: token.json.refresh_token,
        client_id: publicClient.client_id,
      }).toString(),
    });
    const publicAnswer = (await asPublic.json()) as Record<string, unknown>;
    expect(publicAnswer.active).not.toBe(true);

    const confidential = await nativeClient('Introspector', {
      token_endpoint_auth_method: 'client_secret_post',
    });
    const own = await login(confidential.client_id).catch(() => undefined);
    void own;
    const { verifier, challenge } = pkcePair();
    const flow = await authorizeInBrowser(new BrowserAgent(), broker.issuer, {
      clientId: confidential.client_id,
      redirectUri: CALLBACK,
      challenge,
    });
    const issued = await tokenRequest(broker.issuer, {
      grant_type: 'authorization_code',
      code: flow.redirect.searchParams.get('code')!,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
      client_id: confidential.client_id,
      client_secret: confidential.client_secret!,
    });
    const introspect = (tokenValue: string) =>
      fetch(`${broker.issuer}/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token: tokenValue,
          client_id: confidential.client_id,
          client_secret: confidential.client_secret!,
        }).toString(),
      }).then(async (r) => (await r.json()) as Record<string, unknown>);
    const ownAnswer = await introspect(issued.json.refresh_token);
    expect(ownAnswer.active).toBe(true);
    expect(ownAnswer.client_id).toBe(confidential.client_id);
    // Another client's token is not disclosed to it.
    expect((await introspect(token.json.refresh_token)).active).toBe(false);
  });
});

describe('CORS never allows the origin null', () => {
  it('a native client with a custom-scheme redirect URI gets no CORS for Origin: null', async () => {
    const { client_id } = await nativeClient('Custom scheme', {
      redirect_uris: [CALLBACK, 'com.example.app:/oauth/callback'],
    });
    const { token } = await login(client_id);
    const fromNull = await tokenRequest(
      broker.issuer,
      { grant_type: 'refresh_token', refresh_token: token.json.refresh_token, client_id },
      { origin: 'null' },
    );
    expect(fromNull.status).toBe(400);
    expect(fromNull.headers.get('access-control-allow-origin')).toBeNull();
    expect(fromNull.json).toEqual({
      error: 'invalid_request',
      error_description: `origin null not allowed for client: ${client_id}`,
    });
    // The origin of its loopback redirect URI is still allowed.
    const fromLoopback = await tokenRequest(
      broker.issuer,
      { grant_type: 'refresh_token', refresh_token: token.json.refresh_token, client_id },
      { origin: 'http://127.0.0.1:9999' },
    );
    expect(fromLoopback.status).toBe(200);
    expect(fromLoopback.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:9999');
  });
});

describe('SPEC-MUST 25: client registration (DCR, RFC 7591) and Client ID Metadata Documents', () => {
  it('DCR registers a native client with application_type and refuses bad metadata field by field', async () => {
    const registered = await nativeClient('Registered');
    expect(registered.client_id).toBeTruthy();
    const bad = await registerClient(broker.issuer, {
      redirect_uris: ['http://127.0.0.1:9999/cb#fragment'],
      application_type: 'native',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_redirect_uri');
    const badType = await registerClient(broker.issuer, {
      redirect_uris: [CALLBACK],
      application_type: 'spaceship',
    });
    expect(badType.status).toBe(400);
    expect(badType.json.error).toBe('invalid_client_metadata');
    const malformed = await fetch(`${broker.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"redirect_uris": [',
    });
    expect(malformed.status).toBe(400);
  });

  it.each([
    ['token_endpoint_auth_method none', { token_endpoint_auth_method: 'none' }],
    ['no token_endpoint_auth_method', {}],
    ['a web client with none', { token_endpoint_auth_method: 'none', application_type: 'web' }],
  ])('a public client (%s) is issued no client_secret', async (_name, metadata) => {
    const registered = await registerClient(broker.issuer, {
      redirect_uris: [CALLBACK],
      ...metadata,
    });
    expect(registered.status).toBe(201);
    expect(registered.json.token_endpoint_auth_method).toBe('none');
    expect(registered.json).not.toHaveProperty('client_secret');
    expect(registered.json).not.toHaveProperty('client_secret_expires_at');
  });

  describe('registered clients that never complete a sign-in expire (AS_UNUSED_CLIENT_TTL_HOURS)', () => {
    const clientKey = (clientId: string) =>
      `Client:${createHash('sha256').update(clientId).digest('hex')}`;
    const registeredAgo = (clientId: string, hours: number) =>
      broker.database.query(
        `UPDATE oauth_records SET created_at = now() - make_interval(hours => $2) WHERE id = $1`,
        [clientKey(clientId), hours],
      );
    const authorizePage = async (clientId: string) =>
      (
        await fetch(
          authorizeUrl(broker.issuer, {
            clientId,
            redirectUri: CALLBACK,
            challenge: pkcePair().challenge,
          }),
          { redirect: 'manual' },
        )
      ).status;

    it('an unused client older than the TTL is removed with its registration access token; used and young ones stay', async () => {
      const unused = await registerClient(broker.issuer, {
        redirect_uris: [CALLBACK],
        application_type: 'native',
      });
      expect(typeof unused.json.registration_access_token).toBe('string');
      const young = await nativeClient('Young');
      const used = await nativeClient('Used');
      const { token } = await login(used.client_id);
      await registeredAgo(unused.json.client_id, 25);
      await registeredAgo(used.client_id, 25);
      await registeredAgo(young.client_id, 23);
      expect(await authorizePage(unused.json.client_id)).toBe(303);

      // What the workers' cleanup job runs (AS_UNUSED_CLIENT_TTL_HOURS default 24).
      await broker.publicApp.get(OAuthRecordRepository).deleteUnusedClients(24);

      expect(await authorizePage(unused.json.client_id)).toBe(400);
      const read = await fetch(`${broker.issuer}/register/${unused.json.client_id}`, {
        headers: { authorization: `Bearer ${unused.json.registration_access_token}` },
      });
      expect(read.status).toBe(401);
      const [{ n }] = (await broker.database.query(
        `SELECT count(*)::int AS n FROM oauth_records WHERE client_id = $1`,
        [unused.json.client_id],
      )) as Array<{ n: number }>;
      expect(n).toBe(0);
      expect(await authorizePage(young.client_id)).toBe(303);
      expect(await authorizePage(used.client_id)).toBe(303);
      expect((await refresh(used.client_id, token.json.refresh_token)).status).toBe(200);
    });
  });

  it('a URL client_id is fetched, must name itself, and its redirect URIs are enforced', async () => {
    const clientId = `${CIMD_HOST}/client.json`;
    cimdDocuments.set('/client.json', {
      body: JSON.stringify({
        client_id: clientId,
        client_name: 'Metadata Document Client',
        redirect_uris: [CALLBACK],
        application_type: 'native',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      }),
    });
    const agent = new BrowserAgent();
    const { challenge } = pkcePair();
    const url = authorizeUrl(broker.issuer, { clientId, redirectUri: CALLBACK, challenge });
    const { response } = await agent.follow(await agent.get(url), url);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('Metadata Document Client');
    expect(page).toContain('Identified by its metadata document');

    const { token } = await login(clientId);
    expect(token.status).toBe(200);

    const wrongRedirect = await fetch(
      authorizeUrl(broker.issuer, {
        clientId,
        redirectUri: 'http://127.0.0.1:9999/elsewhere',
        challenge,
      }),
      { redirect: 'manual' },
    );
    expect(wrongRedirect.status).toBe(400);
  });

  it('a document whose client_id differs from its URL is refused', async () => {
    cimdDocuments.set('/impostor.json', {
      body: JSON.stringify({
        client_id: `${CIMD_HOST}/someone-else.json`,
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'none',
      }),
    });
    const { challenge } = pkcePair();
    const response = await fetch(
      authorizeUrl(broker.issuer, {
        clientId: `${CIMD_HOST}/impostor.json`,
        redirectUri: CALLBACK,
        challenge,
      }),
      { redirect: 'manual' },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('a document larger than 5 KiB (here 10 MB) is refused, not read whole', async () => {
    cimdDocuments.set('/huge.json', { body: `{"x":"${'a'.repeat(10 * 1024 * 1024)}"}` });
    const { challenge } = pkcePair();
    const response = await fetch(
      authorizeUrl(broker.issuer, {
        clientId: `${CIMD_HOST}/huge.json`,
        redirectUri: CALLBACK,
        challenge,
      }),
      { redirect: 'manual' },
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('invalid_client');
  });

  it.each([
    'https://127.0.0.1/client.json',
    'https://169.254.169.254/latest/meta-data/client.json',
    'https://10.0.0.1/client.json',
    'https://localhost/client.json',
    'http://client.example.test/client.json',
    'https://internal.example.test/client.json',
    'https://metadata.example.test/client.json',
    'https://mixed.example.test/client.json',
    'https://[::ffff:a9fe:a9fe]/client.json',
    'https://app.localhost/client.json',
  ])(
    'a client_id document at %s is never fetched (private, link-local, or not https)',
    async (clientId) => {
      const { challenge } = pkcePair();
      const response = await fetch(
        authorizeUrl(broker.issuer, { clientId, redirectUri: CALLBACK, challenge }),
        { redirect: 'manual' },
      );
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('invalid_client');
      expect(fetchedUrls).not.toContain(clientId);
    },
  );
});

describe('SPEC-MUST 26: consent per user per client, before the upstream IdP', () => {
  it('the consent page comes before any redirect to the IdP and names the client, host, scopes', async () => {
    const { client_id } = await nativeClient('Consent <Test> Client');
    const { challenge } = pkcePair();
    const agent = new BrowserAgent();
    const url = authorizeUrl(broker.issuer, {
      clientId: client_id,
      redirectUri: CALLBACK,
      challenge,
    });
    const { response, url: pageUrl } = await agent.follow(await agent.get(url), url);
    expect(new URL(pageUrl).pathname).toMatch(/^\/interaction\//);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('Consent &lt;Test&gt; Client');
    expect(html).not.toContain('<Test>');
    expect(html).toContain('127.0.0.1:9999');
    expect(html).toContain('runs on your computer (localhost)');
    for (const scope of DEFAULT_SCOPE.split(' ')) {
      expect(html).toContain(scope);
    }
    expect(readForm(html).fields.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('the consent cookie is __Host-, Secure, HttpOnly, SameSite=Lax, signed and bound to the client', async () => {
    const clientA = await nativeClient('Client A');
    const clientB = await nativeClient('Client B');
    const agent = new BrowserAgent();
    const { challenge } = pkcePair();
    const url = authorizeUrl(broker.issuer, {
      clientId: clientA.client_id,
      redirectUri: CALLBACK,
      challenge,
    });
    const { response, url: pageUrl } = await agent.follow(await agent.get(url), url);
    const form = readForm(await response.text());
    const posted = await fetch(new URL(form.action, pageUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: agent.cookieHeader(pageUrl),
      },
      body: new URLSearchParams({ ...form.fields, decision: 'allow' }).toString(),
    });
    expect(posted.status).toBe(303);
    expect(new URL(posted.headers.get('location')!).pathname).toBe('/demo-idp/auth');
    const consentCookie = posted.headers
      .getSetCookie()
      .find((line) => line.startsWith('__Host-mcpgw-consent-'))!;
    expect(consentCookie).toBeDefined();
    expect(consentCookie).toMatch(/; Path=\/;/);
    expect(consentCookie).toMatch(/; Secure/);
    expect(consentCookie).toMatch(/; HttpOnly/);
    expect(consentCookie).toMatch(/; SameSite=Lax/);
    expect(consentCookie).not.toMatch(/Domain=/i);
    const [nameA, valueA] = consentCookie.split(';')[0]!.split('=');

    // Client B presented with A's consent (under B's cookie name): the consent page is shown.
    const otherAgent = new BrowserAgent();
    const urlB = authorizeUrl(broker.issuer, {
      clientId: clientB.client_id,
      redirectUri: CALLBACK,
      challenge,
    });
    const first = await otherAgent.get(urlB);
    const interaction = new URL(first.headers.get('location')!, urlB).href;
    const nameB = ConsentCookies.nameFor(clientB.client_id);
    expect(nameB).not.toBe(nameA);
    const withForeignConsent = await otherAgent.get(interaction, {
      cookie: `${otherAgent.cookieHeader(interaction)}; ${nameB}=${valueA}`,
    });
    expect(withForeignConsent.status).toBe(200);
    expect(await withForeignConsent.text()).toContain('Client B');

    // A tampered value is ignored too.
    const tampered = await otherAgent.get(interaction, {
      cookie: `${otherAgent.cookieHeader(interaction)}; ${nameB}=${valueA!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}`,
    });
    expect(tampered.status).toBe(200);
  });

  it('the consent form is CSRF-protected: no token, a wrong token or another origin are refused', async () => {
    const { client_id } = await nativeClient();
    const agent = new BrowserAgent();
    const { challenge } = pkcePair();
    const url = authorizeUrl(broker.issuer, {
      clientId: client_id,
      redirectUri: CALLBACK,
      challenge,
    });
    const { response, url: pageUrl } = await agent.follow(await agent.get(url), url);
    const form = readForm(await response.text());
    const action = new URL(form.action, pageUrl).href;
    for (const [fields, headers] of [
      [{ decision: 'allow' }, {}],
      [{ decision: 'allow', csrf: 'x'.repeat(43) }, {}],
      [{ ...form.fields, decision: 'allow' }, { origin: 'https://evil.example' }],
    ] as Array<[Record<string, string>, Record<string, string>]>) {
      const refused = await agent.postForm(action, fields, headers);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('location')).toBeNull();
    }
    // The genuine form still works afterwards.
    const accepted = await agent.postForm(action, { ...form.fields, decision: 'allow' });
    expect(accepted.status).toBe(303);
  });

  it('consent is remembered: by the browser for the client, and per user once signed in', async () => {
    const { client_id } = await nativeClient('Remembered');
    const agent = new BrowserAgent();
    const first = await login(client_id, { agent, scope: 'mcp:tools:read' });
    expect(first.flow.consentShown).toBe(true);
    expect(first.flow.loginShown).toBe(true);

    // Same browser, same scopes: neither consent nor login again.
    const second = await login(client_id, { agent, scope: 'mcp:tools:read' });
    expect(second.flow.consentShown).toBe(false);
    expect(second.flow.loginShown).toBe(false);

    // More scopes: the signed-in user is asked again (and the page says who they are).
    const { challenge } = pkcePair();
    const wider = authorizeUrl(broker.issuer, {
      clientId: client_id,
      redirectUri: CALLBACK,
      challenge,
      scope: 'mcp:tools:read mcp:tools:execute',
    });
    const { response } = await agent.follow(await agent.get(wider), wider);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Signed in as demo@example.com');

    // A new browser signing in as the same user: the page before the login (the user is not
    // known yet), then the stored consent is not asked again after it.
    const other = await login(client_id, { scope: 'mcp:tools:read' });
    expect(other.flow.consentShown).toBe(true);

    // prompt=consent (OIDC Core §3.1.2.1) always shows the page, remembered or not.
    const again = await authorizeInBrowser(agent, broker.issuer, {
      clientId: client_id,
      redirectUri: CALLBACK,
      challenge,
      scope: 'mcp:tools:read',
      extra: { prompt: 'consent' },
    });
    expect(again.consentShown).toBe(true);
    expect(again.redirect.searchParams.get('code')).toBeTruthy();
  });

  it('a consent cookie left by someone else does not consent for a user who never allowed the client', async () => {
    const { client_id } = await nativeClient('Shared computer');
    const first = await login(client_id, { scope: 'mcp:tools:read' });
    const consentCookie = first.agent
      .allCookieValues(broker.issuer)
      .find(([name]) => name.startsWith('__Host-mcpgw-consent-'))!;
    // The next person on this browser (only the consent cookie is left) is another user.
    const next = new BrowserAgent();
    next.setCookie(broker.issuer, consentCookie[0], consentCookie[1]);
    const flow = await authorizeInBrowser(
      next,
      broker.issuer,
      {
        clientId: client_id,
        redirectUri: CALLBACK,
        challenge: pkcePair().challenge,
        scope: 'mcp:tools:read',
      },
      { username: 'demo2' },
    );
    // The cookie skipped the page before the login; after it, this user was asked.
    expect(flow.loginShown).toBe(true);
    expect(flow.consentShown).toBe(true);
    expect(flow.redirect.searchParams.get('code')).toBeTruthy();
  });

  it('signing in as another account in the same browser (prompt=login) works and issues for it', async () => {
    const { client_id } = await nativeClient();
    const agent = new BrowserAgent();
    const first = await login(client_id, { agent });
    const { verifier, challenge } = pkcePair();
    const switched = await authorizeInBrowser(
      agent,
      broker.issuer,
      { clientId: client_id, redirectUri: CALLBACK, challenge, extra: { prompt: 'login' } },
      { username: 'demo2' },
    );
    const token = await tokenRequest(broker.issuer, {
      grant_type: 'authorization_code',
      code: switched.redirect.searchParams.get('code')!,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
      client_id,
    });
    expect(token.status).toBe(200);
    const before = decodeJwt(first.token.json.access_token).sub;
    const after = decodeJwt(token.json.access_token).sub;
    expect(after).not.toBe(before);
  });

  it('prompt=login makes the IdP authenticate again instead of answering from its session', async () => {
    const { client_id } = await nativeClient();
    const agent = new BrowserAgent();
    await login(client_id, { agent });
    const forced = await authorizeInBrowser(agent, broker.issuer, {
      clientId: client_id,
      redirectUri: CALLBACK,
      challenge: pkcePair().challenge,
      extra: { prompt: 'login' },
    });
    expect(forced.loginShown).toBe(true);
    expect(forced.redirect.searchParams.get('code')).toBeTruthy();
  });

  it('admin scopes are refused (invalid_scope) to users not listed in AS_ADMIN_EMAILS', async () => {
    const { client_id } = await nativeClient();
    const { challenge } = pkcePair();
    const flow = await authorizeInBrowser(new BrowserAgent(), broker.issuer, {
      clientId: client_id,
      redirectUri: CALLBACK,
      challenge,
      scope: 'mcp:tools:read mcp:admin:write',
    });
    expect(flow.redirect.searchParams.get('error')).toBe('invalid_scope');
    expect(flow.redirect.searchParams.get('error_description')).toMatch(/administrators only/);
    expect(flow.redirect.searchParams.get('iss')).toBe(broker.issuer);
  });
});

/** A new client's authorization in `agent` up to the consent Allow: the IdP URL it redirects to. */
async function allowUntilIdp(agent: BrowserAgent): Promise<URL> {
  const { client_id } = await nativeClient();
  const url = authorizeUrl(broker.issuer, {
    clientId: client_id,
    redirectUri: CALLBACK,
    challenge: pkcePair().challenge,
  });
  const { response, url: pageUrl } = await agent.follow(await agent.get(url), url);
  const form = readForm(await response.text());
  const posted = await agent.postForm(new URL(form.action, pageUrl).href, {
    ...form.fields,
    decision: 'allow',
  });
  return new URL(posted.headers.get('location')!);
}

describe('SPEC-MUST 27: the upstream state is random, single-use, short-lived, matched exactly', () => {
  it('is stored in Redis for at most 10 minutes and a replayed or forged callback is refused', async () => {
    const agent = new BrowserAgent();
    const idpUrl = await allowUntilIdp(agent);
    const state = idpUrl.searchParams.get('state')!;
    expect(state).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(idpUrl.searchParams.get('code_challenge_method')).toBe('S256');

    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const ttl = await redis.ttl(
        `${broker.config.REDIS_KEY_PREFIX}as-login:${createHash('sha256').update(state).digest('hex')}`,
      );
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600);
    } finally {
      redis.disconnect();
    }

    // Log in at the IdP, but stop before the broker's callback.
    const loginPage = await agent.follow(await agent.get(idpUrl.href), idpUrl.href);
    const loginForm = readForm(await loginPage.response.text());
    const loggedIn = await agent.postForm(new URL(loginForm.action, loginPage.url).href, {
      username: 'demo',
      password: DEMO_PASSWORD,
    });
    const toCallback = await agent.follow(
      loggedIn,
      new URL(loginForm.action, loginPage.url).href,
      (u) => u.pathname === '/login/callback',
    );
    const callbackUrl = toCallback.url;
    expect(new URL(callbackUrl).searchParams.get('state')).toBe(state);

    // A forged state (one character changed) is refused.
    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
    const forgedAnswer = await agent.get(forged.href);
    expect(forgedAnswer.status).toBe(400);

    // The real one completes once (through /interaction/{uid}/callback, where the engine's
    // interaction cookie is sent) and lands at the client...
    const done = await agent.follow(
      await agent.get(callbackUrl),
      callbackUrl,
      (u) => u.port === '9999',
    );
    expect(new URL(done.url).searchParams.get('code')).toBeTruthy();
    // ...and never again.
    const replay = await agent.get(callbackUrl);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('expired or was already used');
  });

  it('a callback completed in another browser is refused', async () => {
    const state = (await allowUntilIdp(new BrowserAgent())).searchParams.get('state')!;
    const attacker = new BrowserAgent();
    const callback = `${broker.issuer}/login/callback?code=abc&state=${state}`;
    const answer = await attacker.follow(await attacker.get(callback), callback);
    expect(answer.response.status).toBe(400);
    expect(answer.response.headers.get('location')).toBeNull();
    // ...and the victim's sign-in is still intact: the state was not consumed by the attempt.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      expect(
        await redis.exists(
          `${broker.config.REDIS_KEY_PREFIX}as-login:${createHash('sha256').update(state).digest('hex')}`,
        ),
      ).toBe(1);
    } finally {
      redis.disconnect();
    }
  });
});

describe('bad input gets a clear 4xx, never a 5xx (SPEC-MUST 38)', () => {
  it.each([
    [
      '/authorize with no parameters',
      () => fetch(`${broker.issuer}/authorize`, { redirect: 'manual' }),
    ],
    [
      '/authorize with an unknown client',
      () =>
        fetch(
          `${broker.issuer}/authorize?client_id=nope&response_type=code&redirect_uri=${CALLBACK}`,
          { redirect: 'manual' },
        ),
    ],
    [
      '/token with an oversized body',
      () =>
        fetch(`${broker.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `grant_type=authorization_code&code=${'a'.repeat(200_000)}`,
        }),
    ],
    [
      '/token with JSON instead of a form',
      () =>
        fetch(`${broker.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"grant_type":"authorization_code"}',
        }),
    ],
    ['/token with no body', () => fetch(`${broker.issuer}/token`, { method: 'POST' })],
    [
      '/register with an oversized body',
      () =>
        fetch(`${broker.issuer}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: [CALLBACK], client_name: 'x'.repeat(200_000) }),
        }),
    ],
    ['/interaction/<unknown uid>', () => fetch(`${broker.issuer}/interaction/nope`)],
    [
      'a consent POST without the interaction cookie',
      () =>
        fetch(`${broker.issuer}/interaction/nope/consent`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'decision=allow&csrf=x',
        }),
    ],
    [
      'a consent POST with an oversized form',
      () =>
        fetch(`${broker.issuer}/interaction/nope/consent`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `decision=allow&csrf=${'x'.repeat(100_000)}`,
        }),
    ],
    ['/login/callback without state', () => fetch(`${broker.issuer}/login/callback?code=x`)],
  ])('%s', async (_name, send) => {
    const response = await send();
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});

describe('SPEC-MUST 34: nothing secret in the logs of a full flow', () => {
  it('no token, code, verifier, secret or password appears in any log line', async () => {
    const confidential = await nativeClient('Logged', {
      token_endpoint_auth_method: 'client_secret_post',
    });
    const before = logLines.length;
    const { verifier, challenge } = pkcePair();
    const agent = new BrowserAgent();
    const flow = await authorizeInBrowser(agent, broker.issuer, {
      clientId: confidential.client_id,
      redirectUri: CALLBACK,
      challenge,
    });
    const code = flow.redirect.searchParams.get('code')!;
    const token = await tokenRequest(broker.issuer, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
      client_id: confidential.client_id,
      client_secret: confidential.client_secret!,
    });
    const refreshed = await tokenRequest(broker.issuer, {
      grant_type: 'refresh_token',
      refresh_token: token.json.refresh_token,
      client_id: confidential.client_id,
      client_secret: confidential.client_secret!,
    });
    // A replay, so error paths are logged too.
    await tokenRequest(broker.issuer, {
      grant_type: 'refresh_token',
      refresh_token: token.json.refresh_token,
      client_id: confidential.client_id,
      client_secret: confidential.client_secret!,
    });
    const output = logLines.slice(before).join('');
    expect(output.length).toBeGreaterThan(0);
    // Interaction cookies hold the interaction id, which is public by design (it is in the page
    // URLs); their signatures and the session and consent cookies are secrets.
    const cookieValues = agent
      .allCookieValues(broker.issuer)
      .filter(
        ([name]) =>
          !/^(_interaction|_interaction_resume|_demo_interaction|_demo_resume)$/.test(name),
      )
      .map(([, value]) => value)
      .filter((value) => value.length >= 16);
    expect(cookieValues.length).toBeGreaterThanOrEqual(3);
    for (const secret of [
      code,
      verifier,
      token.json.access_token,
      token.json.refresh_token,
      refreshed.json.access_token,
      refreshed.json.refresh_token,
      confidential.client_secret!,
      DEMO_PASSWORD,
      ...cookieValues,
    ]) {
      expect(output).not.toContain(secret);
    }
  });
});
