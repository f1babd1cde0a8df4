import { startAuthorizationServer } from '../support/authorization-server.harness';
import { registerClient } from '../support/oauth-flow';
import type { AdminApiHarness } from '../support/admin-api.harness';

// Open dynamic client registration is limited per client address (every registration is a row).
let broker: AdminApiHarness & { issuer: string };

beforeAll(async () => {
  broker = await startAuthorizationServer({ AS_REGISTRATIONS_PER_HOUR: '3' });
});
afterAll(async () => {
  await broker?.close();
});

it('registrations beyond AS_REGISTRATIONS_PER_HOUR get 429 with an OAuth-style error, nothing stored', async () => {
  const metadata = {
    redirect_uris: ['http://127.0.0.1:9999/callback'],
    application_type: 'native',
  };
  const first = await registerClient(broker.issuer, metadata);
  expect(first.status).toBe(201);
  // A client reading its own record (RFC 7592) is not a registration: not counted.
  for (let i = 0; i < 5; i += 1) {
    const own = await fetch(first.json.registration_client_uri, {
      headers: { authorization: `Bearer ${first.json.registration_access_token}` },
    });
    expect(own.status).toBeLessThan(429);
  }
  for (let i = 0; i < 2; i += 1) {
    expect((await registerClient(broker.issuer, metadata)).status).toBe(201);
  }
  const limited = await fetch(`${broker.issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  const refused = {
    status: limited.status,
    json: (await limited.json()) as Record<string, string>,
  };
  expect(refused.status).toBe(429);
  expect(refused.json).toMatchObject({ error: 'temporarily_unavailable' });
  expect(refused.json.error_description).toMatch(/too many client registrations/);
  const clients = (await broker.database.query(
    `SELECT count(*)::int AS n FROM oauth_records WHERE model = 'Client'`,
  )) as Array<{ n: number }>;
  expect(clients[0]!.n).toBe(3);
  // Other endpoints are not limited by it.
  expect((await fetch(`${broker.issuer}/.well-known/oauth-authorization-server`)).status).toBe(200);
});
