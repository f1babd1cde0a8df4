import { BrowserAgent } from '../support/browser-agent';
import { startAuthorizationServer } from '../support/authorization-server.harness';
import { authorizeInBrowser, pkcePair, registerClient, tokenRequest } from '../support/oauth-flow';
import type { AdminApiHarness } from '../support/admin-api.harness';

let broker: AdminApiHarness & { issuer: string };

beforeAll(async () => {
  broker = await startAuthorizationServer();
});
afterAll(async () => {
  await broker?.close();
});

it('smoke', async () => {
  const meta = await (
    await fetch(`${broker.issuer}/.well-known/oauth-authorization-server`)
  ).json();
  console.log(JSON.stringify(meta, null, 1));
  const reg = await registerClient(broker.issuer, {
    redirect_uris: ['http://127.0.0.1:9999/callback'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    client_name: 'Smoke',
  });
  console.log(reg);
  const { verifier, challenge } = pkcePair();
  const agent = new BrowserAgent();
  const result = await authorizeInBrowser(agent, broker.issuer, {
    clientId: reg.json.client_id,
    redirectUri: 'http://127.0.0.1:9999/callback',
    challenge,
  });
  console.log(result.redirect.href);
  const token = await tokenRequest(broker.issuer, {
    grant_type: 'authorization_code',
    code: result.redirect.searchParams.get('code')!,
    redirect_uri: 'http://127.0.0.1:9999/callback',
    code_verifier: verifier,
    client_id: reg.json.client_id,
  });
  console.log(token.status, token.json);
});
