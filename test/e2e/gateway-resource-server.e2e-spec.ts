import { SignJWT } from 'jose';
import { startGateway, type GatewayHarness } from '../support/gateway.harness';
import {
  applyPolicies,
  initializeMessage,
  mcpCall,
  modernRequest,
  openLegacySession,
  parseChallenge,
  registerUpstream,
} from '../support/mcp-wire';
import { startTrustedIssuer, type TrustedIssuer } from '../support/trusted-issuer';

// SPEC-MUST 1–8: the gateway as an OAuth resource server — RFC 9728 metadata, the RFC 6750
// challenges, token verification on every request. Tokens come from a trusted issuer (an external
// IdP as far as the gateway knows) or are crafted by hand for the attacks.

const ALL_SCOPES = 'mcp:tools:read mcp:tools:execute mcp:resources:read mcp:prompts:read';
const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('gateway as resource server (SPEC-MUST 1–8)', () => {
  let h: GatewayHarness;
  let idp: TrustedIssuer;
  /** Same issuer string as `idp`, another key: its tokens carry a forged signature. */
  let impostor: TrustedIssuer;
  /** An issuer the gateway was never told about. */
  let rogue: TrustedIssuer;
  let route: string;
  let metadataUrl: string;

  const token = (claims: Record<string, unknown> = {}, options = {}): Promise<string> =>
    idp.sign({ sub: 'alice', aud: route, scope: ALL_SCOPES, ...claims }, options);

  beforeAll(async () => {
    idp = await startTrustedIssuer();
    impostor = await startTrustedIssuer(idp.issuer);
    rogue = await startTrustedIssuer('https://rogue.example.test');
    h = await startGateway({
      gateway: {
        GATEWAY_TRUSTED_ISSUERS: JSON.stringify([{ issuer: idp.issuer, jwks_uri: idp.jwksUri }]),
      },
    });
    route = `${h.gatewayUrl}/mcp/fixture`;
    metadataUrl = `${h.gatewayUrl}/.well-known/oauth-protected-resource/mcp/fixture`;
    // A second route to the same server: tokens for it must not open /mcp/fixture.
    await registerUpstream(h, { name: 'other', url: h.fixture.url });
    await applyPolicies(h, [
      { name: 'open', match_pattern: '*', priority: 10, auth_method: { type: 'none' } },
    ]);
  });

  afterAll(async () => {
    await h?.close();
    await Promise.all([idp?.close(), impostor?.close(), rogue?.close()]);
  });

  beforeEach(() => h.fixture.clear());

  describe('SPEC-MUST 1, 2, 6: RFC 9728 protected-resource metadata', () => {
    it('serves the root metadata: resource is the gateway URL (no fragment, no trailing slash), the broker is the authorization server', async () => {
      const response = await fetch(`${h.gatewayUrl}/.well-known/oauth-protected-resource`, {
        redirect: 'manual',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.resource).toBe(h.gatewayUrl);
      expect(body.authorization_servers).toEqual([h.broker.issuer]);
      expect(body.bearer_methods_supported).toEqual(['header']);
    });

    it('serves the path-inserted metadata of /mcp/fixture with resource exactly the route URL', async () => {
      const response = await fetch(metadataUrl, { redirect: 'manual' });
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.resource).toBe(route);
      expect(String(body.resource)).not.toMatch(/[#/]$|#/);
      expect(body.authorization_servers).toEqual([h.broker.issuer]);
      expect(body.scopes_supported).toEqual(ALL_SCOPES.split(' '));
    });

    it('never lists offline_access in scopes_supported (SPEC-MUST 6)', async () => {
      for (const url of [`${h.gatewayUrl}/.well-known/oauth-protected-resource`, metadataUrl]) {
        const body = (await (await fetch(url)).json()) as { scopes_supported: string[] };
        expect(body.scopes_supported).not.toContain('offline_access');
      }
    });

    it('answers without authentication, even when a bad Authorization header is sent', async () => {
      const response = await fetch(metadataUrl, { headers: { authorization: 'Bearer forged' } });
      expect(response.status).toBe(200);
    });

    it('allows any origin (CORS *) on the metadata GET', async () => {
      const response = await fetch(metadataUrl, {
        headers: { origin: 'https://app.example.test' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    });

    it('tolerates an MCP-Protocol-Version request header on the GET and in the CORS preflight', async () => {
      const plain = await (await fetch(metadataUrl)).json();
      const withVersion = await fetch(metadataUrl, {
        headers: { 'mcp-protocol-version': '2025-11-25', origin: 'https://app.example.test' },
      });
      expect(withVersion.status).toBe(200);
      expect(await withVersion.json()).toEqual(plain);
      for (const url of [`${h.gatewayUrl}/.well-known/oauth-protected-resource`, metadataUrl]) {
        const preflight = await fetch(url, {
          method: 'OPTIONS',
          headers: {
            origin: 'https://app.example.test',
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'mcp-protocol-version',
          },
        });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
        expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
          'mcp-protocol-version',
        );
      }
    });

    it('never redirects, not even for a trailing slash', async () => {
      for (const path of ['', '/', '/mcp/fixture', '/mcp/fixture/']) {
        const response = await fetch(
          `${h.gatewayUrl}/.well-known/oauth-protected-resource${path}`,
          {
            redirect: 'manual',
          },
        );
        expect(response.status === 200 || response.status === 404).toBe(true);
        expect(response.headers.get('location')).toBeNull();
      }
    });

    it('answers 404 for the metadata of a route that is not registered', async () => {
      const response = await fetch(`${h.gatewayUrl}/.well-known/oauth-protected-resource/mcp/nope`);
      expect(response.status).toBe(404);
      const route404 = await mcpCall(`${h.gatewayUrl}/mcp/nope`, {
        token: await token(),
        body: initializeMessage(),
      });
      expect(route404.status).toBe(404);
    });
  });

  describe('SPEC-MUST 3, 6: no token → 401 with the discovery challenge', () => {
    it('answers 401 WWW-Authenticate: Bearer scope="…", resource_metadata="<route metadata>"', async () => {
      const answer = await mcpCall(route, { body: initializeMessage() });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe(
        `Bearer scope="${ALL_SCOPES}", resource_metadata="${metadataUrl}"`,
      );
      expect(answer.json).toMatchObject({ error: 'invalid_request' });
      expect(h.fixture.received).toHaveLength(0);
    });

    it('names a metadata URL whose resource is the URL the client called (RFC 9728 §3.3)', async () => {
      const answer = await mcpCall(route, { body: initializeMessage() });
      const { params } = parseChallenge(answer.headers.get('www-authenticate'));
      const metadata = (await (await fetch(params.resource_metadata!)).json()) as {
        resource: string;
      };
      expect(metadata.resource).toBe(route);
    });

    it('never names offline_access in a challenge', async () => {
      const answer = await mcpCall(route, { body: initializeMessage() });
      expect(answer.headers.get('www-authenticate')).not.toContain('offline_access');
    });
  });

  describe('SPEC-MUST 4: a bad token → 401 invalid_token, never 403', () => {
    const refused: Array<[string, (t: TokenKit) => Promise<string>]> = [
      ['an expired token', (t) => t.valid({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 })],
      ['a forged signature (the trusted issuer, another key)', (t) => t.impostor()],
      ['a token from an unknown issuer', (t) => t.rogue()],
      ['a token for another route (wrong audience)', (t) => t.valid({ aud: t.otherRoute })],
      ['a token with no audience', (t) => t.valid({ aud: undefined })],
      ['alg: none', (t) => t.unsigned()],
      ['an unknown kid', (t) => t.valid({}, { header: { kid: 'k-unknown' } })],
      ['HS256 (a symmetric algorithm)', (t) => t.hs256()],
      ['a token without a subject', (t) => t.valid({ sub: undefined })],
      ['a malformed token', () => Promise.resolve('not-a-jwt')],
    ];

    it.each(refused)('refuses %s with 401 invalid_token', async (_label, make) => {
      const bad = await make(kit());
      const answer = await mcpCall(route, { token: bad, body: initializeMessage() });
      expect(answer.status).toBe(401);
      const { scheme, params } = parseChallenge(answer.headers.get('www-authenticate'));
      expect(scheme).toBe('Bearer');
      expect(params.error).toBe('invalid_token');
      expect(params.resource_metadata).toBe(metadataUrl);
      expect(answer.json).toMatchObject({ error: 'invalid_token' });
      expect(h.fixture.received).toHaveLength(0);
    });

    it('refuses an Authorization header of another scheme with 401 invalid_token', async () => {
      const answer = await mcpCall(route, {
        headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' },
        body: initializeMessage(),
      });
      expect(answer.status).toBe(401);
      expect(parseChallenge(answer.headers.get('www-authenticate')).params.error).toBe(
        'invalid_token',
      );
    });

    it('accepts the other route’s token at that route (the audience, not the token, was wrong)', async () => {
      const other = await token({ aud: `${h.gatewayUrl}/mcp/other` });
      const answer = await mcpCall(`${h.gatewayUrl}/mcp/other`, {
        token: other,
        body: initializeMessage(),
      });
      expect(answer.status).toBe(200);
    });

    it('accepts a token whose audience is the whole gateway', async () => {
      const answer = await mcpCall(route, {
        token: await token({ aud: h.gatewayUrl }),
        body: initializeMessage(),
      });
      expect(answer.status).toBe(200);
    });
  });

  describe('SPEC-MUST 5: insufficient scope → 403 naming the scopes', () => {
    it('answers tools/call with only mcp:tools:read: 403 insufficient_scope, scope="mcp:tools:execute"', async () => {
      const call = modernRequest(1, 'tools/call', { name: 'echo', arguments: { text: 'hi' } });
      const answer = await mcpCall(route, {
        token: await token({ scope: 'mcp:tools:read' }),
        headers: call.headers,
        body: call.body,
      });
      expect(answer.status).toBe(403);
      const { scheme, params } = parseChallenge(answer.headers.get('www-authenticate'));
      expect(scheme).toBe('Bearer');
      expect(params).toMatchObject({
        error: 'insufficient_scope',
        scope: 'mcp:tools:execute',
        resource_metadata: metadataUrl,
      });
      expect(answer.headers.get('www-authenticate')).not.toContain('offline_access');
      expect(answer.json).toMatchObject({ error: 'insufficient_scope' });
      expect(h.fixture.received).toHaveLength(0);
    });

    it('names mcp:resources:read for resources/list with only tool scopes', async () => {
      const list = modernRequest(2, 'resources/list');
      const answer = await mcpCall(route, {
        token: await token({ scope: 'mcp:tools' }),
        headers: list.headers,
        body: list.body,
      });
      expect(answer.status).toBe(403);
      expect(parseChallenge(answer.headers.get('www-authenticate')).params.scope).toBe(
        'mcp:resources:read',
      );
    });

    it('lets the broader mcp:tools satisfy tools/call', async () => {
      const call = modernRequest(3, 'tools/call', { name: 'echo', arguments: { text: 'broad' } });
      const answer = await mcpCall(route, {
        token: await token({ scope: 'mcp:tools' }),
        headers: call.headers,
        body: call.body,
      });
      expect(answer.status).toBe(200);
      expect(answer.messages.at(-1).result.content).toEqual([{ type: 'text', text: 'broad' }]);
    });

    it('lets mcp:tools:execute satisfy tools/list (who may call may list)', async () => {
      const list = modernRequest(4, 'tools/list');
      const answer = await mcpCall(route, {
        token: await token({ scope: 'mcp:tools:execute' }),
        headers: list.headers,
        body: list.body,
      });
      expect(answer.status).toBe(200);
      expect(Array.isArray(answer.messages.at(-1).result.tools)).toBe(true);
    });
  });

  describe('SPEC-MUST 7: a token in the query string is not accepted', () => {
    it.each(['access_token', 'api_key', 'token'])(
      'refuses ?%s=… with 400 invalid_request, even with a valid header too',
      async (param) => {
        const valid = await token();
        for (const headerToken of [valid, undefined]) {
          const answer = await mcpCall(route, {
            ...(headerToken !== undefined ? { token: headerToken } : {}),
            suffix: `?${param}=${valid}`,
            body: initializeMessage(),
          });
          expect(answer.status).toBe(400);
          expect(parseChallenge(answer.headers.get('www-authenticate')).params.error).toBe(
            'invalid_request',
          );
        }
        expect(h.fixture.received).toHaveLength(0);
      },
    );
  });

  describe('SPEC-MUST 8: the token is checked on every request', () => {
    let valid: string;
    let sessionId: string;

    beforeAll(async () => {
      valid = await token();
      sessionId = await openLegacySession(route, valid);
    });

    it.each(['GET', 'DELETE'])(
      'answers %s without a token with the 401 challenge',
      async (method) => {
        const answer = await mcpCall(route, { method, headers: { 'mcp-session-id': sessionId } });
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe(
          `Bearer scope="${ALL_SCOPES}", resource_metadata="${metadataUrl}"`,
        );
        expect(h.fixture.received).toHaveLength(0);
      },
    );

    it.each(['GET', 'DELETE'])(
      'answers %s with an expired token 401 invalid_token',
      async (method) => {
        const expired = await token({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
        const answer = await mcpCall(route, {
          method,
          token: expired,
          headers: { 'mcp-session-id': sessionId },
        });
        expect(answer.status).toBe(401);
        expect(parseChallenge(answer.headers.get('www-authenticate')).params.error).toBe(
          'invalid_token',
        );
      },
    );

    it('refuses a resumed stream (GET with Last-Event-ID) without a token', async () => {
      const answer = await mcpCall(route, {
        method: 'GET',
        headers: {
          'mcp-session-id': sessionId,
          'last-event-id': 'any_1',
          accept: 'text/event-stream',
        },
      });
      expect(answer.status).toBe(401);
      expect(h.fixture.received).toHaveLength(0);
    });

    it('refuses a notification without a token', async () => {
      const answer = await mcpCall(route, {
        headers: { 'mcp-session-id': sessionId },
        body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } },
      });
      expect(answer.status).toBe(401);
      expect(h.fixture.received).toHaveLength(0);
    });

    it('refuses a token that expired after it opened the session', async () => {
      const exp = Math.floor(Date.now() / 1000) + 2;
      const shortLived = await token({}, { expiresIn: exp });
      const session = await openLegacySession(route, shortLived);
      // Waiting for the clock to pass `exp`, not timing anything.
      await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 100));
      const answer = await mcpCall(route, {
        token: shortLived,
        headers: { 'mcp-session-id': session },
        body: { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      });
      expect(answer.status).toBe(401);
      expect(parseChallenge(answer.headers.get('www-authenticate')).params.error).toBe(
        'invalid_token',
      );
    });

    it('passes an authenticated DELETE through to the upstream', async () => {
      const session = await openLegacySession(route, valid);
      h.fixture.clear();
      const answer = await mcpCall(route, {
        method: 'DELETE',
        token: valid,
        headers: { 'mcp-session-id': session },
      });
      expect(answer.status).toBe(200);
      expect(h.fixture.received.map((r) => r.method)).toEqual(['DELETE']);
    });
  });

  interface TokenKit {
    otherRoute: string;
    valid(
      claims?: Record<string, unknown>,
      options?: Parameters<TrustedIssuer['sign']>[1],
    ): Promise<string>;
    impostor(): Promise<string>;
    rogue(): Promise<string>;
    unsigned(): Promise<string>;
    hs256(): Promise<string>;
  }

  function kit(): TokenKit {
    const claims = { sub: 'alice', aud: route, scope: ALL_SCOPES };
    const now = Math.floor(Date.now() / 1000);
    return {
      otherRoute: `${h.gatewayUrl}/mcp/other`,
      valid: (extra = {}, options = {}) => {
        const merged: Record<string, unknown> = { ...claims, ...extra };
        for (const key of Object.keys(merged)) {
          if (merged[key] === undefined) {
            delete merged[key];
          }
        }
        return idp.sign(merged, options);
      },
      impostor: () => impostor.sign(claims),
      rogue: () => rogue.sign(claims),
      unsigned: () =>
        Promise.resolve(
          `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims, iss: idp.issuer, iat: now, exp: now + 300 })}.`,
        ),
      hs256: () =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'JWT' })
          .setIssuer(idp.issuer)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!')),
    };
  }
});
