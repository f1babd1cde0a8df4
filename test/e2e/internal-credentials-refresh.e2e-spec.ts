import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { KeyRing, Vault } from '@app/crypto';
import { buildDataSourceOptions, ConnectionRefreshRepository } from '@app/persistence';
import { MockTokenEndpoint } from '@app/testing';
import { connectionTokenBinding } from '@app/vault';
import {
  INTERNAL_API_TOKEN,
  startAdminApi,
  type AdminApiHarness,
} from '../support/admin-api.harness';
import { call } from '../support/http';
import { sampleSum, scrape } from '../support/prometheus-text';
import {
  seedConnection,
  seedRefreshProvider,
  storedRefreshToken,
} from '../support/refresh-fixture';

const METHOD = { type: 'oauth', provider: 'mock', scopes: ['repo'] };
const LIFETIME_MS = 20_000;

// Issue 10 §2: measured before the fix, a provider issuing 20 s tokens gave auth_required right
// after "Connected" and never saw a refresh request.
describe('issue 10 §2 on-demand refresh in the credential path (20-second tokens, RFC 6749 §6)', () => {
  let h: AdminApiHarness;
  let ds: DataSource;
  let vault: Vault;
  let provider: MockTokenEndpoint;
  let providerId: string;

  const resolve = (subject: string) =>
    call(h.internalUrl, 'POST', '/internal/v1/credentials/resolve', {
      body: { principal: { subject }, auth_method: METHOD },
      token: INTERNAL_API_TOKEN,
    });
  const forceRefresh = (id: string, subject: string, generation: number, extra = {}) =>
    call(h.internalUrl, 'POST', `/internal/v1/connections/${id}/refresh`, {
      body: { principal: { subject }, auth_method: METHOD, generation, ...extra },
      token: INTERNAL_API_TOKEN,
    });
  /** A connection whose 20 s token was issued `ageMs` ago, holding a refresh token the provider knows. */
  const connect = async (subject: string, ageMs: number) => {
    const tokens = provider.issue(subject);
    const connection = await seedConnection(
      ds,
      vault,
      providerId,
      subject,
      tokens,
      LIFETIME_MS,
      new Date(Date.now() - ageMs),
    );
    return { connection, tokens };
  };
  const row = async (id: string) => (await new ConnectionRefreshRepository(ds).findById(id))!;
  /** The broker's `auth_token_refresh_total` for provider `mock` (served on the admin listener). */
  const refreshCount = async (labels: Record<string, string>) =>
    sampleSum(await scrape(h.baseUrl), 'auth_token_refresh_total', { provider: 'mock', ...labels });
  const ON_DEMAND_REFRESHED = { source: 'on_demand', outcome: 'refreshed', reason: 'none' };

  beforeAll(async () => {
    h = await startAdminApi();
    ds = await new DataSource(buildDataSourceOptions(h.database.url, { poolSize: 2 })).initialize();
    vault = new Vault(KeyRing.parse(h.config.VAULT_KEYS));
    provider = await new MockTokenEndpoint({ expiresIn: 20 }).start();
    providerId = await seedRefreshProvider(ds, vault, provider.url);
  });

  afterAll(async () => {
    await provider.stop();
    await ds.destroy();
    await h.close();
  });

  beforeEach(() => {
    provider.options = { expiresIn: 20 };
    Object.assign(provider.stats, { refreshes: 0, reuses: 0, injectedErrors: 0, unknown: 0 });
  });

  it('right after connecting: the 20 s token is injected as it is (margin a quarter of the lifetime), no refresh', async () => {
    const { connection, tokens } = await connect('fresh', 0);
    const res = await resolve('fresh');
    expect(res.json).toEqual({
      outcome: 'inject',
      headers: { authorization: `Bearer ${tokens.access_token}` },
      expires_at: connection.expiresAt!.toISOString(),
      credential: { kind: 'connection', id: connection.id, generation: 0 },
    });
    expect(provider.stats.refreshes).toBe(0);
  });

  it('inside the margin: refreshed first (one refresh, counted as on_demand), the new token injected and the rotation stored', async () => {
    const { connection, tokens } = await connect('due', 16_000);
    const counted = await refreshCount(ON_DEMAND_REFRESHED);
    const res = await resolve('due');
    expect(res.json.outcome).toBe('inject');
    expect(res.json.headers.authorization).not.toBe(`Bearer ${tokens.access_token}`);
    expect(res.json.credential).toEqual({ kind: 'connection', id: connection.id, generation: 1 });
    expect(Date.parse(res.json.expires_at)).toBeGreaterThan(Date.now() + 15_000);
    expect(provider.stats).toMatchObject({ refreshes: 1, reuses: 0 });
    expect(storedRefreshToken(vault, await row(connection.id))).toBe(provider.latestOf('due'));
    // The next resolve uses the stored token: no second refresh.
    expect((await resolve('due')).json.headers).toEqual(res.json.headers);
    expect(provider.stats.refreshes).toBe(1);
    // Issue 10 §3: the broker's refreshes are counted per provider, told apart by `source`.
    expect((await refreshCount(ON_DEMAND_REFRESHED)) - counted).toBe(1);
  });

  it('two concurrent resolves of an expired token: exactly one refresh, both inject the new token', async () => {
    provider.options.latencyMs = 400;
    await connect('racing', 25_000);
    const [a, b] = await Promise.all([resolve('racing'), resolve('racing')]);
    expect(a.json.outcome).toBe('inject');
    expect(b.json).toEqual(a.json);
    expect(a.json.credential.generation).toBe(1);
    expect(provider.stats).toMatchObject({ refreshes: 1, reuses: 0 });
  });

  it("while another refresher holds the lease: the resolve waits for the holder's write and uses its tokens", async () => {
    const { connection } = await connect('held', 25_000);
    const counted = await refreshCount({});
    const refreshes = new ConnectionRefreshRepository(ds);
    const lease = await refreshes.claim(connection.id, 20_000);
    if (lease === null || lease === 'busy') {
      throw new Error('the test could not take the lease');
    }
    const pending = resolve('held');
    // Not a timing assertion: only lets the resolve reach its wait before the holder writes (the
    // result is the same either way; its wait is bounded by seconds, far above this).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = new Date();
    await refreshes.store(lease, {
      seal: (id) => ({
        accessTokenSealed: vault.seal(
          'at_from_holder',
          connectionTokenBinding(id, providerId, 'access_token'),
        ),
        refreshTokenSealed: null,
      }),
      tokenType: 'Bearer',
      scopes: ['repo'],
      expiresAt: new Date(now.getTime() + LIFETIME_MS),
      issuedAt: now,
    });
    expect((await pending).json).toMatchObject({
      outcome: 'inject',
      headers: { authorization: 'Bearer at_from_holder' },
      credential: { generation: 1 },
    });
    expect(provider.stats.refreshes).toBe(0);
    // Waiting for another holder is not an attempt of ours: nothing counted.
    expect(await refreshCount({})).toBe(counted);
  });

  it('a holder that never writes (died with the lease): the wait is bounded and an expired token is unavailable, never a guess', async () => {
    const { connection } = await connect('dead-holder', 25_000);
    expect(await new ConnectionRefreshRepository(ds).claim(connection.id, 60_000)).toMatchObject({
      token: expect.any(String),
    });
    const res = await resolve('dead-holder');
    expect(res.json).toEqual({
      outcome: 'unavailable',
      reason: 'the token is being refreshed; try again',
    });
    expect(provider.stats.refreshes).toBe(0);
    expect((await row(connection.id)).status).toBe('active');
  });

  it('a refresh refused for good (invalid_grant) is the auth-required answer; the connection needs re-auth (counted by its RFC 6749 code)', async () => {
    const { connection } = await connect('refused', 25_000);
    const refusal = { source: 'on_demand', outcome: 'needs_reauth', reason: 'invalid_grant' };
    const counted = await refreshCount(refusal);
    // The provider forgot the grant: its refresh token is no longer valid.
    await seedConnection(
      ds,
      vault,
      providerId,
      'refused',
      { access_token: 'at_old', refresh_token: 'rt_unknown' },
      LIFETIME_MS,
      new Date(Date.now() - 25_000),
    );
    const res = await resolve('refused');
    expect(res.json).toMatchObject({
      outcome: 'auth_required',
      remedy: {
        auth_type: 'oauth',
        provider: 'mock',
        authorization_url: expect.stringMatching(/\/connect\/start\//),
      },
    });
    expect(provider.stats.unknown).toBe(1);
    const after = await row(connection.id);
    expect(after.status).toBe('needs_reauth');
    expect(after.refreshTokenSealed).toBeNull();
    expect((await refreshCount(refusal)) - counted).toBe(1);
  });

  it('a transient failure (503) hands out a token that is still valid, and answers unavailable for an expired one', async () => {
    provider.options.errorRate = 1;
    const transient = { source: 'on_demand', outcome: 'retry', reason: 'temporarily_unavailable' };
    const counted = await refreshCount(transient);
    const { tokens } = await connect('flaky-valid', 16_000);
    expect((await resolve('flaky-valid')).json).toMatchObject({
      outcome: 'inject',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const expired = await connect('flaky-expired', 25_000);
    expect((await resolve('flaky-expired')).json).toEqual({
      outcome: 'unavailable',
      reason: 'the provider cannot refresh the token right now',
    });
    // An outage is never a reason to ask the user to connect again.
    expect((await row(expired.connection.id)).status).toBe('active');
    expect((await refreshCount(transient)) - counted).toBe(2);
  });

  describe('POST /internal/v1/connections/{id}/refresh (the gateway after an upstream 401)', () => {
    it('refreshes the refused generation even though it is not due (counted as forced); the same generation again is a no-op', async () => {
      const { connection, tokens } = await connect('refused-upstream', 0);
      const forced = { source: 'forced', outcome: 'refreshed', reason: 'none' };
      const counted = await refreshCount(forced);
      const res = await forceRefresh(connection.id, 'refused-upstream', 0);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.json).toMatchObject({ outcome: 'inject', credential: { generation: 1 } });
      expect(res.json.headers.authorization).not.toBe(`Bearer ${tokens.access_token}`);
      expect(provider.stats.refreshes).toBe(1);
      // A second gateway replica reporting the same refused generation gets the new token.
      const again = await forceRefresh(connection.id, 'refused-upstream', 0);
      expect(again.json).toEqual(res.json);
      expect(provider.stats.refreshes).toBe(1);
      expect((await refreshCount(forced)) - counted).toBe(1);
      // SPEC-MUST 34 and issue 10 §3: labels are provider names and closed sets, never an id or subject.
      const series = (await scrape(h.baseUrl)).filter((s) => s.name === 'auth_token_refresh_total');
      expect(series.length).toBeGreaterThan(0);
      for (const { labels } of series) {
        expect(Object.keys(labels).sort()).toEqual([
          'app',
          'outcome',
          'provider',
          'reason',
          'source',
        ]);
        expect(JSON.stringify(labels)).not.toMatch(/refused-upstream|[0-9a-f]{8}-[0-9a-f]{4}-/);
      }
    });

    it('reauthorize (the refreshed token was refused too) answers the remedy', async () => {
      const { connection } = await connect('still-refused', 0);
      const res = await forceRefresh(connection.id, 'still-refused', 0, { reauthorize: true });
      expect(res.json).toMatchObject({ outcome: 'auth_required', remedy: { auth_type: 'oauth' } });
      expect(provider.stats.refreshes).toBe(0);
    });

    it("only the principal's own connection: another subject, an unknown id or a bad body are refused", async () => {
      const { connection } = await connect('owner', 0);
      expect((await forceRefresh(connection.id, 'mallory', 0)).status).toBe(404);
      expect((await forceRefresh(crypto.randomUUID(), 'owner', 0)).status).toBe(404);
      expect((await forceRefresh('not-a-uuid', 'owner', 0)).status).toBe(404);
      expect((await forceRefresh(connection.id, 'owner', -1)).status).toBe(422);
      const none = await call(
        h.internalUrl,
        'POST',
        `/internal/v1/connections/${connection.id}/refresh`,
        {
          body: { principal: { subject: 'owner' }, auth_method: { type: 'none' }, generation: 0 },
          token: INTERNAL_API_TOKEN,
        },
      );
      expect(none.status).toBe(422);
      const unauthenticated = await call(
        h.internalUrl,
        'POST',
        `/internal/v1/connections/${connection.id}/refresh`,
        {
          body: { principal: { subject: 'owner' }, auth_method: METHOD, generation: 0 },
          token: null,
        },
      );
      expect(unauthenticated.status).toBe(401);
      expect(provider.stats.refreshes).toBe(0);
    });
  });
});
