import { decodeJwt } from 'jose';
import { startAuthorizationServer } from '../support/authorization-server.harness';
import { BrowserAgent } from '../support/browser-agent';
import { authorizeInBrowser, pkcePair, registerClient, tokenRequest } from '../support/oauth-flow';
import type { AdminApiHarness } from '../support/admin-api.harness';

// Admin scopes go to users listed in AS_ADMIN_EMAILS whose email the IdP verified (the demo IdP
// says email_verified: true for its user).
let broker: AdminApiHarness & { issuer: string };
const CALLBACK = 'http://127.0.0.1:9999/callback';

beforeAll(async () => {
  broker = await startAuthorizationServer({
    AS_ADMIN_EMAILS: 'someone@example.com, Demo@Example.com',
  });
});
afterAll(async () => {
  await broker?.close();
});

it('a listed administrator with a verified email gets the mcp:admin scopes it asked for', async () => {
  const client = await registerClient(broker.issuer, {
    redirect_uris: [CALLBACK],
    application_type: 'native',
  });
  const { verifier, challenge } = pkcePair();
  const flow = await authorizeInBrowser(new BrowserAgent(), broker.issuer, {
    clientId: client.json.client_id,
    redirectUri: CALLBACK,
    challenge,
    scope: 'mcp:tools:read mcp:admin:read mcp:admin:write',
  });
  const token = await tokenRequest(broker.issuer, {
    grant_type: 'authorization_code',
    code: flow.redirect.searchParams.get('code')!,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
    client_id: client.json.client_id,
  });
  expect(token.status).toBe(200);
  expect(String(decodeJwt(token.json.access_token).scope).split(' ').sort()).toEqual([
    'mcp:admin:read',
    'mcp:admin:write',
    'mcp:tools:read',
  ]);
  const rows = (await broker.database.query('SELECT email, email_verified FROM users')) as Array<{
    email: string;
    email_verified: boolean;
  }>;
  expect(rows).toEqual([{ email: 'demo@example.com', email_verified: true }]);
});
