import 'reflect-metadata';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { KeyRing, Vault } from '@app/crypto';
import {
  buildDataSourceOptions,
  type ConnectionEntity,
  ConnectionRefreshRepository,
} from '@app/persistence';
import { within } from '@app/testing';
import { connectionTokenBinding } from '@app/vault';
import { INTERNAL_API_TOKEN, type AdminApiHarness } from '../support/admin-api.harness';
import { startAuthorizationServer } from '../support/authorization-server.harness';
import { type AppProcess, removeBuild, startAppProcess } from '../support/gateway-process';
import { call } from '../support/http';
import { tokenRequest } from '../support/oauth-flow';
import { freePort } from '../support/refresh-workers.harness';
import {
  registerToolProvider,
  signInThroughMcpClient,
  startToolProvider,
  TOOL_CLIENT_SECRET,
  TOOL_RESOURCE,
  type ToolProvider,
} from '../support/tool-provider';

// A 20 s access token: the workers' lead is half of it (REFRESH_THRESHOLD_S is 300), so the first
// proactive refresh comes about 10 s after the connect, and one every 10 s after it.
const LIFETIME_S = 20;
const METHOD = { type: 'oauth', scopes: ['repo'] } as const;
/** `tool` is connected without an RFC 8707 resource, `tool-api` with one. */
const PROVIDERS = ['tool', 'tool-api'] as const;
type ProviderName = (typeof PROVIDERS)[number];

interface Connected {
  id: string;
  /** The connect's own tokens, as stored before any refresh. */
  first: { accessToken: string; refreshToken: string; expiresAt: Date };
}

/**
 * Issue 10 §2 "oidc-provider for the real rotation behaviour": a real `workers` process refreshes
 * connections made through the broker with oidc-provider as the tool provider, rotating every
 * refresh token (`rotateRefreshToken: true`) and revoking the grant when a spent one comes back.
 * The MockTokenEndpoint tests simulate this rotation; here the provider's own rules judge it.
 */
describe('RFC 6749 §6 refresh by the workers against oidc-provider with refresh-token rotation', () => {
  let broker: AdminApiHarness & { issuer: string };
  let tool: ToolProvider;
  let worker: AppProcess;
  let ds: DataSource;
  let vault: Vault;
  let subject: string;
  const connections = new Map<ProviderName, Connected>();

  const row = async (id: string): Promise<ConnectionEntity> =>
    (await new ConnectionRefreshRepository(ds).findById(id))!;
  const open = (connection: ConnectionEntity, kind: 'access_token' | 'refresh_token') =>
    vault.open(
      kind === 'access_token' ? connection.accessTokenSealed : connection.refreshTokenSealed!,
      connectionTokenBinding(connection.id, connection.providerId, kind),
    );
  const connected = (provider: ProviderName) => connections.get(provider)!;
  const resolve = (provider: ProviderName) =>
    call(broker.internalUrl, 'POST', '/internal/v1/credentials/resolve', {
      body: { principal: { subject }, auth_method: { ...METHOD, provider } },
      token: INTERNAL_API_TOKEN,
    });
  /** The refresh_token grants the provider saw, each with the grant of the token presented. */
  const refreshGrants = async () =>
    Promise.all(
      tool.tokenRequests
        .filter((form) => form.get('grant_type') === 'refresh_token')
        .map(async (form) => ({
          form,
          grantId: (await tool.provider.RefreshToken.find(form.get('refresh_token')!))?.grantId,
        })),
    );
  const grantOf = async (provider: ProviderName) =>
    (await tool.provider.RefreshToken.find(connected(provider).first.refreshToken))!.grantId!;
  const unleased = (connection: ConnectionEntity) =>
    connection.refreshLeaseUntil === null || connection.refreshLeaseUntil.getTime() < Date.now();

  /**
   * Connects `provider` for the demo user through the broker (code + PKCE), in a browser of its
   * own: without offline_access oidc-provider binds a refresh token to its login session, and a
   * second connect of the same client from the same browser would replace the first one's grant.
   */
  const connect = async (provider: ProviderName) => {
    const { agent, accessToken, subject: signedIn } = await signInThroughMcpClient(broker);
    subject = signedIn;
    const started = await call(broker.issuer, 'POST', '/mcp/auth/oauth/authorize', {
      body: { provider, scopes: ['repo'] },
      token: accessToken,
    });
    const url = started.json.authorization_url as string;
    const done = await agent.follow(await agent.get(url), url);
    if (done.response.status !== 200) {
      throw new Error(`connecting ${provider}: ${done.response.status}`);
    }
    const listed = await call(
      broker.internalUrl,
      'GET',
      `/internal/v1/connections?subject=${subject}`,
      { token: INTERNAL_API_TOKEN },
    );
    const { id } = (listed.json.connections as { id: string; provider: string }[]).find(
      (connection) => connection.provider === provider,
    )!;
    const stored = await row(id);
    connections.set(provider, {
      id,
      first: {
        accessToken: open(stored, 'access_token'),
        refreshToken: open(stored, 'refresh_token'),
        expiresAt: stored.expiresAt!,
      },
    });
  };

  beforeAll(async () => {
    broker = await startAuthorizationServer();
    ds = await new DataSource(
      buildDataSourceOptions(broker.database.url, { poolSize: 2 }),
    ).initialize();
    vault = new Vault(KeyRing.parse(broker.config.VAULT_KEYS));
    tool = await startToolProvider(broker.issuer, {
      accessTokenTtl: LIFETIME_S,
      rotateRefreshToken: true,
    });
    await registerToolProvider(broker, tool);
    await registerToolProvider(broker, tool, {
      name: 'tool-api',
      resource: TOOL_RESOURCE,
      scopes: ['repo'],
      device_code_enabled: false,
    });
    // Started before the connects: its sweep at start finds nothing, so the refreshes below run
    // from the jobs the broker queued when it stored the tokens.
    worker = await startAppProcess(
      'workers',
      {
        DATABASE_URL: broker.database.url,
        REDIS_URL: broker.config.REDIS_URL,
        REDIS_KEY_PREFIX: broker.config.REDIS_KEY_PREFIX,
        VAULT_KEYS: broker.config.VAULT_KEYS,
        LOG_LEVEL: 'info',
        WORKERS_HOST: '127.0.0.1',
        WORKERS_PORT: String(await freePort()),
      },
      /workers listening/,
    );
    for (const provider of PROVIDERS) {
      await connect(provider);
    }
  }, 90_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await ds?.destroy();
    await tool?.close();
    const prefix = broker?.config.REDIS_KEY_PREFIX;
    await broker?.close();
    if (prefix !== undefined) {
      // The queues (jobs, schedulers) and whatever else the broker and the workers kept there.
      const redis = new Redis(broker.config.REDIS_URL);
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
        if ((keys as string[]).length > 0) {
          await redis.unlink(...(keys as string[]));
        }
      }
      redis.disconnect();
    }
    removeBuild();
  });

  it('refreshes each connection before its access token expires, presenting the refresh token of the connect', async () => {
    await within(45_000, async () =>
      (await Promise.all(PROVIDERS.map((p) => row(connected(p).id)))).every(
        (connection) => connection.refreshGeneration >= 1,
      ),
    );
    const seenAt = Date.now();
    const grants = await refreshGrants();
    for (const provider of PROVIDERS) {
      const { id, first } = connected(provider);
      expect(seenAt).toBeLessThan(first.expiresAt.getTime());
      const stored = await row(id);
      expect(stored.status).toBe('active');
      expect(stored.lastRefreshedAt).not.toBeNull();
      // Nobody resolved through the broker yet: these came from the workers.
      expect(
        grants.filter(({ form }) => form.get('refresh_token') === first.refreshToken),
      ).toHaveLength(1);
    }
  }, 60_000);

  it('stores the rotated refresh token: the one stored is live at the provider, the one it replaced is spent', async () => {
    for (const provider of PROVIDERS) {
      const { id, first } = connected(provider);
      // A snapshot no refresh ran through (one runs every 10 s): the same generation, unleased,
      // before and after the provider is asked about its tokens.
      let refreshToken = '';
      let live: { consumed?: unknown; rotations?: number } | undefined;
      await within(30_000, async () => {
        const before = await row(id);
        if (!unleased(before)) {
          return false;
        }
        refreshToken = open(before, 'refresh_token');
        live = await tool.provider.RefreshToken.find(refreshToken);
        const after = await row(id);
        return after.refreshGeneration === before.refreshGeneration && unleased(after);
      });
      expect(refreshToken).not.toBe(first.refreshToken);
      expect(live).toBeDefined();
      expect(live!.consumed).toBeUndefined();
      expect(live!.rotations).toBeGreaterThanOrEqual(1);
      const spent = await tool.provider.RefreshToken.find(first.refreshToken);
      expect(spent?.consumed).toEqual(expect.any(Number));

      // The broker hands out the refreshed access token, and the provider issued it.
      const resolved = await resolve(provider);
      expect(resolved.json.outcome).toBe('inject');
      const accessToken = (resolved.json.headers.authorization as string).slice('Bearer '.length);
      expect(accessToken).not.toBe(first.accessToken);
      expect(await tool.provider.AccessToken.find(accessToken)).toBeDefined();
    }
  }, 60_000);

  it('RFC 8707 §2.2: the resource the connection was made with is sent again on every refresh, and none where there was none', async () => {
    const grants = await refreshGrants();
    const apiGrant = await grantOf('tool-api');
    const plainGrant = await grantOf('tool');
    const forApi = grants.filter(({ grantId }) => grantId === apiGrant);
    const forPlain = grants.filter(({ grantId }) => grantId === plainGrant);
    expect(forApi.length).toBeGreaterThanOrEqual(1);
    expect(forPlain.length).toBeGreaterThanOrEqual(1);
    expect(forApi.map(({ form }) => form.get('resource'))).toEqual(forApi.map(() => TOOL_RESOURCE));
    expect(forPlain.map(({ form }) => form.has('resource'))).toEqual(forPlain.map(() => false));
  });

  it('a spent refresh token presented again revokes the grant at the provider; the next refresh gets invalid_grant, the connection needs re-auth without its refresh token, and the resolve answers auth_required', async () => {
    const { id, first } = connected('tool-api');
    const grantId = await grantOf('tool-api');
    // Just after a refresh of the workers, so that the next one is seconds away: what is stored
    // now is what the next refresh presents.
    const refreshedBefore = (await row(id)).refreshGeneration;
    let held = await row(id);
    await within(30_000, async () => {
      held = await row(id);
      return held.refreshGeneration > refreshedBefore && unleased(held);
    });
    const heldToken = open(held, 'refresh_token');
    const seenBefore = tool.tokenRequests.length;
    const replayed = await tokenRequest(
      tool.url,
      { grant_type: 'refresh_token', refresh_token: first.refreshToken, resource: TOOL_RESOURCE },
      {
        authorization: `Basic ${Buffer.from(`tool-app:${TOOL_CLIENT_SECRET}`).toString('base64')}`,
      },
    );
    expect(replayed.status).toBe(400);
    expect(replayed.json.error).toBe('invalid_grant');
    // oidc-provider's reuse detection: the whole grant is gone, the stored refresh token with it.
    expect(await tool.provider.Grant.find(grantId)).toBeUndefined();

    // Forced rather than waited for (the workers may still come first: the outcome is the same).
    const generation = held.refreshGeneration;
    const forced = await call(
      broker.internalUrl,
      'POST',
      `/internal/v1/connections/${id}/refresh`,
      {
        body: {
          principal: { subject },
          auth_method: { ...METHOD, provider: 'tool-api' },
          generation,
        },
        token: INTERNAL_API_TOKEN,
      },
    );
    expect(forced.status).toBe(200);
    expect(forced.json).toMatchObject({
      outcome: 'auth_required',
      remedy: { auth_type: 'oauth', provider: 'tool-api' },
    });
    // The refresh after the replay presented the rotated token the connection held, and lost it.
    expect(
      tool.tokenRequests
        .slice(seenBefore)
        .filter((form) => form.get('grant_type') === 'refresh_token')
        .map((form) => form.get('refresh_token')),
    ).toContain(heldToken);
    const after = await row(id);
    expect(after).toMatchObject({
      status: 'needs_reauth',
      refreshTokenSealed: null,
      lastRefreshError: 'invalid_grant',
    });
    expect((await resolve('tool-api')).json).toMatchObject({
      outcome: 'auth_required',
      remedy: { auth_type: 'oauth', provider: 'tool-api' },
    });
    // The other connection's grant is untouched.
    expect((await row(connected('tool').id)).status).toBe('active');
    expect((await resolve('tool')).json.outcome).toBe('inject');
  }, 60_000);
});
