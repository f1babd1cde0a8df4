import { startAuthorizationServer } from '../support/authorization-server.harness';
import { pkcePair, registerClient } from '../support/oauth-flow';
import type { AdminApiHarness } from '../support/admin-api.harness';

// SPEC-MUST 28 in production: an https issuer served through a TLS-terminating reverse proxy
// (the broker itself listens on plain HTTP behind it).
let broker: AdminApiHarness & { issuer: string };
const ISSUER = 'https://auth.example.test';

beforeAll(async () => {
  broker = await startAuthorizationServer({ BROKER_PUBLIC_URL: ISSUER });
});
afterAll(async () => {
  await broker?.close();
});

it('metadata, redirects and cookies follow the https issuer, whatever host or forwarded headers a request carries', async () => {
  const response = await fetch(`${broker.publicUrl}/.well-known/oauth-authorization-server`);
  const meta = (await response.json()) as Record<string, unknown>;
  expect(meta.issuer).toBe(ISSUER);
  expect(meta.authorization_endpoint).toBe(`${ISSUER}/authorize`);
  const client = await registerClient(broker.publicUrl, {
    redirect_uris: ['http://127.0.0.1:9999/callback'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
  });
  expect(client.status).toBe(201);
  const { challenge } = pkcePair();
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.json.client_id,
    redirect_uri: 'http://127.0.0.1:9999/callback',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 's',
  });
  const viaProxy = await fetch(`${broker.publicUrl}/authorize?${query}`, {
    redirect: 'manual',
    headers: { 'x-forwarded-proto': 'https' },
  });
  expect(viaProxy.status).toBe(303);
  expect(viaProxy.headers.get('location')).toMatch(/\/interaction\//);
  expect(viaProxy.headers.getSetCookie().every((c) => /; secure/i.test(c))).toBe(true);
  // A request naming another host and claiming another origin changes nothing.
  const spoofed = await fetch(`${broker.publicUrl}/.well-known/openid-configuration`, {
    headers: {
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'http',
      forwarded: 'host=evil.example',
    },
  });
  const spoofedMeta = (await spoofed.json()) as Record<string, unknown>;
  expect(spoofedMeta.token_endpoint).toBe(`${ISSUER}/token`);
  expect(JSON.stringify(spoofedMeta)).not.toContain('evil.example');
});
