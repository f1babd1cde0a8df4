import { decodeJwt } from 'jose';
import type { AdminApiHarness } from '../support/admin-api.harness';
import {
  GATEWAY_URL,
  registerUpstream,
  startAuthorizationServer,
} from '../support/authorization-server.harness';
import { BrowserAgent } from '../support/browser-agent';
import { call } from '../support/http';
import { authorizeInBrowser, pkcePair, registerClient, tokenRequest } from '../support/oauth-flow';

// RFC 8707 resource indicators: the broker issues `<GATEWAY_PUBLIC_URL>/mcp/<name>` tokens only
// while <name> is a registered upstream (/admin/v1/upstreams), on authorize, code exchange and
// refresh; the gateway's base URL and `/mcp` are always accepted. Real Postgres and Redis.

const CALLBACK = 'http://127.0.0.1:9999/callback';
const UNREGISTERED = 'resource names no upstream registered at this gateway';

let broker: AdminApiHarness & { issuer: string };

beforeAll(async () => {
  broker = await startAuthorizationServer({ AS_REFRESH_REUSE_WINDOW_SECONDS: '0' });
});

afterAll(async () => {
  await broker?.close();
});

async function nativeClient(): Promise<string> {
  const registered = await registerClient(broker.issuer, {
    redirect_uris: [CALLBACK],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    client_name: 'Upstream resources',
  });
  expect(registered.status).toBe(201);
  return registered.json.client_id as string;
}

/** Authorizes in the browser stand-in; the code (or the error redirect) and its verifier. */
async function authorize(clientId: string, resource: string) {
  const { verifier, challenge } = pkcePair();
  const { redirect } = await authorizeInBrowser(new BrowserAgent(), broker.issuer, {
    clientId,
    redirectUri: CALLBACK,
    challenge,
    scope: 'mcp:tools:read',
    resource,
  });
  return { redirect, verifier };
}

function exchange(clientId: string, code: string, verifier: string, resource: string) {
  return tokenRequest(broker.issuer, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
    client_id: clientId,
    resource,
  });
}

async function login(clientId: string, resource: string) {
  const { redirect, verifier } = await authorize(clientId, resource);
  const code = redirect.searchParams.get('code');
  expect(code).toBeTruthy();
  const token = await exchange(clientId, code!, verifier, resource);
  expect(token.status).toBe(200);
  return token.json as { access_token: string; refresh_token: string };
}

function refresh(clientId: string, refreshToken: string) {
  return tokenRequest(broker.issuer, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: clientId,
  });
}

const deleteUpstream = async (id: string) =>
  expect((await call(broker.baseUrl, 'DELETE', `/admin/v1/upstreams/${id}`)).status).toBe(204);

describe('RFC 8707: /mcp/<name> tokens only for registered upstreams', () => {
  it('a registered upstream: the token is for that route (aud), on refresh too', async () => {
    await registerUpstream(broker, 'github');
    const clientId = await nativeClient();
    const resource = `${GATEWAY_URL}/mcp/github`;
    const token = await login(clientId, resource);
    expect(decodeJwt(token.access_token).aud).toBe(resource);
    const refreshed = await refresh(clientId, token.refresh_token);
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.json.access_token).aud).toBe(resource);
  });

  it('a disabled upstream is still registered: tokens are issued for it', async () => {
    const id = await registerUpstream(broker, 'paused');
    const disabled = await call(broker.baseUrl, 'PATCH', `/admin/v1/upstreams/${id}`, {
      body: { enabled: false },
    });
    expect(disabled.status).toBe(200);
    const token = await login(await nativeClient(), `${GATEWAY_URL}/mcp/paused`);
    expect(decodeJwt(token.access_token).aud).toBe(`${GATEWAY_URL}/mcp/paused`);
  });

  it('the gateway itself and its aggregated /mcp need no upstream', async () => {
    const clientId = await nativeClient();
    for (const resource of [GATEWAY_URL, `${GATEWAY_URL}/mcp`]) {
      expect(decodeJwt((await login(clientId, resource)).access_token).aud).toBe(resource);
    }
  });

  it('an unregistered upstream is invalid_target on authorize (with iss)', async () => {
    const { redirect } = await authorize(await nativeClient(), `${GATEWAY_URL}/mcp/nowhere`);
    expect(redirect.origin + redirect.pathname).toBe(CALLBACK);
    expect(redirect.searchParams.get('code')).toBeNull();
    expect(redirect.searchParams.get('error')).toBe('invalid_target');
    expect(redirect.searchParams.get('error_description')).toBe(UNREGISTERED);
    expect(redirect.searchParams.get('iss')).toBe(broker.issuer);
  });

  it('names are matched as registered: another case is another (unregistered) upstream', async () => {
    const { redirect } = await authorize(await nativeClient(), `${GATEWAY_URL}/mcp/GitHub`);
    expect(redirect.searchParams.get('error')).toBe('invalid_target');
  });

  it('an upstream deleted after registration is invalid_target on the next authorize', async () => {
    const id = await registerUpstream(broker, 'short-lived');
    const clientId = await nativeClient();
    await login(clientId, `${GATEWAY_URL}/mcp/short-lived`);
    await deleteUpstream(id);
    const { redirect } = await authorize(clientId, `${GATEWAY_URL}/mcp/short-lived`);
    expect(redirect.searchParams.get('error')).toBe('invalid_target');
    expect(redirect.searchParams.get('error_description')).toBe(UNREGISTERED);
  });

  it('an upstream deleted between authorize and code exchange: the token request is invalid_target', async () => {
    const id = await registerUpstream(broker, 'between');
    const clientId = await nativeClient();
    const resource = `${GATEWAY_URL}/mcp/between`;
    const { redirect, verifier } = await authorize(clientId, resource);
    const code = redirect.searchParams.get('code');
    expect(code).toBeTruthy();
    await deleteUpstream(id);
    const token = await exchange(clientId, code!, verifier, resource);
    expect(token.status).toBe(400);
    expect(token.json).toEqual({ error: 'invalid_target', error_description: UNREGISTERED });
  });

  it('an upstream deleted after the login: refresh is invalid_target and the refresh token is kept', async () => {
    const id = await registerUpstream(broker, 'comes-back');
    const clientId = await nativeClient();
    const token = await login(clientId, `${GATEWAY_URL}/mcp/comes-back`);
    await deleteUpstream(id);
    const refused = await refresh(clientId, token.refresh_token);
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({ error: 'invalid_target', error_description: UNREGISTERED });
    // Registered again: the same refresh token works, so the refusal did not consume it.
    await registerUpstream(broker, 'comes-back');
    const retried = await refresh(clientId, token.refresh_token);
    expect(retried.status).toBe(200);
    expect(decodeJwt(retried.json.access_token).aud).toBe(`${GATEWAY_URL}/mcp/comes-back`);
  });
});
