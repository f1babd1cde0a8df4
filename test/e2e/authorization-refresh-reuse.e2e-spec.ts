import { createHash } from 'node:crypto';
import { BrowserAgent } from '../support/browser-agent';
import { startAuthorizationServer } from '../support/authorization-server.harness';
import { authorizeInBrowser, pkcePair, registerClient, tokenRequest } from '../support/oauth-flow';
import type { AdminApiHarness } from '../support/admin-api.harness';

// The refresh-token reuse window: a rotated token presented again shortly after its rotation (the
// response was lost: network drop, proxy timeout, broker killed mid-request) is rotated once more
// instead of revoking the family; reuse after the window, a second retry, or presenting the
// superseded successor still revoke it. Time is moved by backdating the rotation in the database.

const WINDOW_SECONDS = 30;
const CALLBACK = 'http://127.0.0.1:9999/callback';
let broker: AdminApiHarness & { issuer: string };

beforeAll(async () => {
  broker = await startAuthorizationServer({
    AS_REFRESH_REUSE_WINDOW_SECONDS: String(WINDOW_SECONDS),
  });
});
afterAll(async () => {
  await broker?.close();
});

async function signedInClient(
  tokenEndpointAuthMethod: 'none' | 'client_secret_post' = 'none',
): Promise<{ clientId: string; clientSecret?: string; refreshToken: string }> {
  const registered = await registerClient(broker.issuer, {
    redirect_uris: [CALLBACK],
    token_endpoint_auth_method: tokenEndpointAuthMethod,
    application_type: 'native',
  });
  const clientId = registered.json.client_id as string;
  const clientSecret = registered.json.client_secret as string | undefined;
  const secret: Record<string, string> =
    clientSecret === undefined ? {} : { client_secret: clientSecret };
  const { verifier, challenge } = pkcePair();
  const flow = await authorizeInBrowser(new BrowserAgent(), broker.issuer, {
    clientId,
    redirectUri: CALLBACK,
    challenge,
  });
  const token = await tokenRequest(broker.issuer, {
    grant_type: 'authorization_code',
    code: flow.redirect.searchParams.get('code')!,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
    client_id: clientId,
    ...secret,
  });
  expect(token.status).toBe(200);
  return { clientId, clientSecret, refreshToken: token.json.refresh_token as string };
}

function refresh(clientId: string, refreshToken: string) {
  return tokenRequest(broker.issuer, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: clientId,
  });
}

async function expectRevoked(clientId: string, refreshToken: string) {
  const answer = await refresh(clientId, refreshToken);
  expect(answer.status).toBe(400);
  expect(answer.json.error).toBe('invalid_grant');
}

/** Moves a token's rotation `seconds` into the past (the window is measured by the database). */
async function rotatedAgo(refreshToken: string, seconds: number) {
  const key = `RefreshToken:${createHash('sha256').update(refreshToken).digest('hex')}`;
  await broker.database.query(
    'UPDATE oauth_records SET consumed_at = consumed_at - make_interval(secs => $2) WHERE id = $1',
    [key, seconds],
  );
}

describe('refresh-token reuse window (AS_REFRESH_REUSE_WINDOW_SECONDS)', () => {
  it('a lost refresh response: the retry with the same token succeeds and the family lives on', async () => {
    const { clientId, refreshToken } = await signedInClient();
    const lost = await refresh(clientId, refreshToken);
    expect(lost.status).toBe(200);
    const retry = await refresh(clientId, refreshToken);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('cache-control')).toContain('no-store');
    expect(retry.json.refresh_token).not.toBe(refreshToken);
    expect(retry.json.refresh_token).not.toBe(lost.json.refresh_token);
    const next = await refresh(clientId, retry.json.refresh_token);
    expect(next.status).toBe(200);
    expect((await refresh(clientId, next.json.refresh_token)).status).toBe(200);
  });

  it('the lost response’s refresh token is superseded: presenting it revokes the family', async () => {
    const { clientId, refreshToken } = await signedInClient();
    const lost = await refresh(clientId, refreshToken);
    const retry = await refresh(clientId, refreshToken);
    expect(retry.status).toBe(200);
    await expectRevoked(clientId, lost.json.refresh_token);
    await expectRevoked(clientId, retry.json.refresh_token);
  });

  it('late reuse (after the window) revokes the family', async () => {
    const { clientId, refreshToken } = await signedInClient();
    const rotated = await refresh(clientId, refreshToken);
    expect(rotated.status).toBe(200);
    await rotatedAgo(refreshToken, WINDOW_SECONDS + 1);
    await expectRevoked(clientId, refreshToken);
    await expectRevoked(clientId, rotated.json.refresh_token);
  });

  it('just inside the window the retry is still taken', async () => {
    const { clientId, refreshToken } = await signedInClient();
    await refresh(clientId, refreshToken);
    await rotatedAgo(refreshToken, WINDOW_SECONDS - 2);
    expect((await refresh(clientId, refreshToken)).status).toBe(200);
  });

  it('a second retry within the window revokes the family (one retry per token, no minting)', async () => {
    const { clientId, refreshToken } = await signedInClient();
    await refresh(clientId, refreshToken);
    const retry = await refresh(clientId, refreshToken);
    expect(retry.status).toBe(200);
    await expectRevoked(clientId, refreshToken);
    await expectRevoked(clientId, retry.json.refresh_token);
  });

  it('a retry after the successor was used revokes the family (its holder got the response)', async () => {
    const { clientId, refreshToken } = await signedInClient();
    const rotated = await refresh(clientId, refreshToken);
    const used = await refresh(clientId, rotated.json.refresh_token);
    expect(used.status).toBe(200);
    await expectRevoked(clientId, refreshToken);
    await expectRevoked(clientId, used.json.refresh_token);
  });

  it('another client presenting the token within the window gets invalid_grant, no tokens', async () => {
    const { clientId, refreshToken } = await signedInClient();
    await refresh(clientId, refreshToken);
    const other = await registerClient(broker.issuer, {
      redirect_uris: [CALLBACK],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    });
    const stolen = await refresh(other.json.client_id, refreshToken);
    expect(stolen.status).toBe(400);
    expect(stolen.json.error).toBe('invalid_grant');
    expect(stolen.json.refresh_token).toBeUndefined();
  });

  it('concurrent presentations within the window never fork the family: at most one holder continues', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { clientId, refreshToken } = await signedInClient();
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => refresh(clientId, refreshToken)),
      );
      const won = answers.filter((answer) => answer.status === 200);
      expect(won.length).toBeLessThanOrEqual(2);
      let continued = 0;
      for (const answer of won) {
        if ((await refresh(clientId, answer.json.refresh_token)).status === 200) {
          continued += 1;
        }
      }
      expect(continued).toBeLessThanOrEqual(1);
    }
  });
  it('RFC 7662: a just-rotated token is reported inactive while its retry is still open', async () => {
    const signedIn = await signedInClient('client_secret_post');
    const { clientId, refreshToken } = signedIn;
    const secret = signedIn.clientSecret!;
    const introspect = async (token: string) => {
      const answer = await fetch(`${broker.issuer}/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, client_id: clientId, client_secret: secret }).toString(),
      });
      return ((await answer.json()) as Record<string, unknown>).active;
    };
    expect(await introspect(refreshToken)).toBe(true);
    const rotate = () =>
      tokenRequest(broker.issuer, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: clientId,
        client_secret: secret,
      });
    expect((await rotate()).status).toBe(200);
    expect(await introspect(refreshToken)).toBe(false);
    // The token endpoint still takes the one retry.
    expect((await rotate()).status).toBe(200);
  });
});
