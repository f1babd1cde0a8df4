import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { KeyRing, Vault } from '@app/crypto';
import { connectionTokenBinding } from '@app/vault';
import { seedConnections, seedRefreshProvider } from '../../../../test/support/refresh-fixture';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { buildDataSourceOptions } from '../data-source.options';
import { ProviderRepository } from './credential.repositories';
import {
  ConnectionRefreshRepository,
  type RefreshedTokens,
  type RefreshLease,
} from './connection-refresh.repository';

/**
 * Issue 10 §2 single flight, with the claims and stores of concurrent refreshes batched into one
 * statement each (issue 10 §4 throughput): a batch must decide exactly what the single statements
 * would, per row.
 */
describe('ConnectionRefreshRepository: batched leases and compare-and-swap writes', () => {
  let database: TestDatabase;
  let ds: DataSource;
  let repo: ConnectionRefreshRepository;
  let providerId: string;
  const vault = new Vault(KeyRing.parse(KeyRing.generateSpec('k1')));
  const LEASE_MS = 30_000;

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await new DataSource(buildDataSourceOptions(database.url, { poolSize: 4 })).initialize();
    providerId = await seedRefreshProvider(ds, vault, 'http://127.0.0.1:9/token');
  });

  afterAll(async () => {
    await ds?.destroy();
    await database?.drop();
  });

  beforeEach(() => {
    repo = new ConnectionRefreshRepository(ds);
  });

  const seed = (count: number) =>
    seedConnections(
      ds,
      vault,
      providerId,
      count,
      (id) => ({ access_token: `at-${id}`, refresh_token: `rt-${id}` }),
      { issuedAt: new Date(), expiresAt: new Date(Date.now() + 60_000) },
    );

  const tokens = (overrides: Partial<RefreshedTokens> = {}): RefreshedTokens => ({
    seal: (id) => ({
      accessTokenSealed: vault.seal(
        'at-new',
        connectionTokenBinding(id, providerId, 'access_token'),
      ),
      refreshTokenSealed: vault.seal(
        'rt-new',
        connectionTokenBinding(id, providerId, 'refresh_token'),
      ),
    }),
    tokenType: 'Bearer',
    scopes: ['repo'],
    expiresAt: new Date(Date.now() + 3_600_000),
    issuedAt: new Date(),
    ...overrides,
  });

  it('claims of concurrent refreshes are one statement, each row leased once', async () => {
    const ids = await seed(20);
    const query = jest.spyOn(ds, 'query');
    const leases = await Promise.all(ids.map((id) => repo.claim(id, LEASE_MS)));
    expect(query).toHaveBeenCalledTimes(1);
    query.mockRestore();
    expect(leases.map((l) => (l as RefreshLease).connection.id)).toEqual(ids);
    expect(new Set(leases.map((l) => (l as RefreshLease).token)).size).toBe(20);
  });

  it('single flight inside one batch: the same connection claimed twice is leased once, the other caller is busy', async () => {
    const [id] = await seed(1);
    const answers = await Promise.all([repo.claim(id, LEASE_MS), repo.claim(id, LEASE_MS)]);
    expect(answers.filter((a) => a === 'busy')).toHaveLength(1);
    expect(answers.filter((a) => typeof a === 'object' && a !== null)).toHaveLength(1);
  });

  it('busy while leased, null when gone or not a UUID — without failing the batch', async () => {
    const [leased, free] = await seed(2);
    expect(await repo.claim(leased, LEASE_MS)).toMatchObject({ connection: { id: leased } });
    const answers = await Promise.all([
      repo.claim(leased, LEASE_MS),
      repo.claim(crypto.randomUUID(), LEASE_MS),
      repo.claim('not-a-uuid', LEASE_MS),
      repo.claim(free, LEASE_MS),
    ]);
    expect(answers.slice(0, 3)).toEqual(['busy', null, null]);
    expect(answers[3]).toMatchObject({ connection: { id: free } });
  });

  it("the lease carries the provider row's version, bumped by an admin edit (the opened client is kept by it)", async () => {
    const [a, b] = await seed(2);
    const first = (await repo.claim(a, LEASE_MS)) as RefreshLease;
    await new ProviderRepository(ds).update(
      providerId,
      undefined,
      (p) => ({ settings: { ...p.settings, token_endpoint: 'http://127.0.0.1:9/token2' } }),
      { actor: 'test' },
    );
    const second = (await repo.claim(b, LEASE_MS)) as RefreshLease;
    expect(second.providerVersion).toBe(first.providerVersion! + 1);
  });

  it('stores of one batch: each row by its own lease and generation (compare-and-swap)', async () => {
    const ids = await seed(3);
    const leases = (await Promise.all(ids.map((id) => repo.claim(id, LEASE_MS)))) as RefreshLease[];
    const stale: RefreshLease = {
      ...leases[1],
      connection: Object.assign(Object.create(Object.getPrototypeOf(leases[1].connection)), {
        ...leases[1].connection,
        refreshGeneration: leases[1].connection.refreshGeneration + 7,
      }),
    };
    const stolen: RefreshLease = { ...leases[2], token: crypto.randomUUID() };
    const stored = await Promise.all([
      repo.store(leases[0], tokens()),
      repo.store(stale, tokens()),
      repo.store(stolen, tokens()),
    ]);
    expect(stored[0]).toMatchObject({ id: ids[0], refreshGeneration: 1, refreshLeaseToken: null });
    expect(stored.slice(1)).toEqual([null, null]);
  });

  it('a row Postgres refuses fails only its own store, not the others of its batch', async () => {
    const ids = await seed(3);
    const leases = (await Promise.all(ids.map((id) => repo.claim(id, LEASE_MS)))) as RefreshLease[];
    const results = await Promise.allSettled([
      repo.store(leases[0], tokens()),
      // An expiry Postgres cannot store (a provider's absurd expires_in).
      repo.store(leases[1], tokens({ expiresAt: new Date(Number.NaN) })),
      repo.store(leases[2], tokens()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toMatchObject({ value: { id: ids[0], refreshGeneration: 1 } });
    expect(results[2]).toMatchObject({ value: { id: ids[2], refreshGeneration: 1 } });
  });

  it('an outage fails the whole batch at once (no statement per row added to it)', async () => {
    const ids = await seed(3);
    const query = jest
      .spyOn(ds, 'query')
      .mockRejectedValue(new Error('Connection terminated unexpectedly'));
    const results = await Promise.allSettled(ids.map((id) => repo.claim(id, LEASE_MS)));
    expect(query).toHaveBeenCalledTimes(1);
    query.mockRestore();
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });
});
