import 'reflect-metadata';
import { createLocalJWKSet, importJWK, jwtVerify, SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { KeyRing, Vault } from '@app/crypto';
import { buildDataSourceOptions } from '@app/persistence';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { RotateVaultKeysUseCase } from './rotate-vault-keys.usecase';
import { SigningKeyStore } from './signing-key.store';

describe('token signing keys (real Postgres)', () => {
  let database: TestDatabase;
  let ds: DataSource;
  const ringSpec = KeyRing.generateSpec('k1');
  let store: SigningKeyStore;

  const sign = async (key: Awaited<ReturnType<SigningKeyStore['active']>>) =>
    new SignJWT({ scope: 'mcp:tools:read' })
      .setProtectedHeader({ alg: key.alg, kid: key.kid })
      .setIssuer('http://127.0.0.1:8081')
      .setExpirationTime('5m')
      .sign(await importJWK(key.privateJwk, key.alg));

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await new DataSource(buildDataSourceOptions(database.url, { poolSize: 4 })).initialize();
    store = new SigningKeyStore(ds, new Vault(KeyRing.parse(ringSpec)));
  });

  afterAll(async () => {
    await ds.destroy();
    await database.drop();
  });

  it('creates exactly one active ES256 key, even when asked concurrently', async () => {
    const keys = await Promise.all([store.active(), store.active(), store.active()]);
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    expect(keys[0].alg).toBe('ES256');
    const jwks = await store.publicJwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      kid: keys[0].kid,
      use: 'sig',
      alg: 'ES256',
    });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('stores the private key sealed, never in the clear', async () => {
    const key = await store.active();
    const [row] = await ds.query(
      'SELECT private_jwk_sealed, public_jwk FROM signing_keys WHERE kid = $1',
      [key.kid],
    );
    expect(row.private_jwk_sealed).toMatch(/^v1\.k1\./);
    expect(row.private_jwk_sealed).not.toContain(key.privateJwk.d as string);
    expect(row.public_jwk).not.toHaveProperty('d');
  });

  it('publishes the previous key after a rotation, so tokens it signed still verify; retires the one before', async () => {
    const first = await store.active();
    const oldToken = await sign(first);
    const secondKid = await store.rotate();
    const jwks = await store.publicJwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual([secondKid, first.kid]);
    await expect(jwtVerify(oldToken, createLocalJWKSet(jwks))).resolves.toBeTruthy();
    expect((await store.active()).kid).toBe(secondKid);

    await store.rotate();
    const after = await store.publicJwks();
    expect(after.keys.map((k) => k.kid)).not.toContain(first.kid);
    await expect(jwtVerify(oldToken, createLocalJWKSet(after))).rejects.toThrow();
  });

  it('scheduled rotation (issue 10 §1): only a key older than the age rotates, once, however many ask at once', async () => {
    const DAY_MS = 86_400_000;
    const before = await store.active();
    expect(await store.rotateIfOlderThan(90 * DAY_MS)).toBeNull();
    expect((await store.active()).kid).toBe(before.kid);

    await ds.query(
      `UPDATE signing_keys SET created_at = now() - interval '91 days' WHERE state = 'active'`,
    );
    const results = await Promise.all([
      store.rotateIfOlderThan(90 * DAY_MS),
      store.rotateIfOlderThan(90 * DAY_MS),
      store.rotateIfOlderThan(90 * DAY_MS),
    ]);
    const rotated = results.filter((kid) => kid !== null);
    expect(rotated).toHaveLength(1);
    // The key that signed until now stays published: its tokens keep verifying.
    expect((await store.publicJwks()).keys.map((k) => k.kid)).toEqual([rotated[0], before.kid]);
  });

  it('private keys follow a vault key rotation', async () => {
    const newSpec = KeyRing.generateSpec('k2');
    const report = await new RotateVaultKeysUseCase(
      ds,
      new Vault(KeyRing.parse(`${newSpec},${ringSpec}`)),
    ).execute();
    expect(report.failed).toEqual([]);
    // Two rows are left: the key before the previous one was deleted with its private half.
    expect(report.resealed).toBe(2);
    expect(await ds.query('SELECT count(*)::int AS n FROM signing_keys')).toEqual([{ n: 2 }]);
    const onlyNew = new SigningKeyStore(ds, new Vault(KeyRing.parse(newSpec)));
    const token = await sign(await onlyNew.active());
    await expect(
      jwtVerify(token, createLocalJWKSet(await onlyNew.publicJwks())),
    ).resolves.toBeTruthy();
  });
});
