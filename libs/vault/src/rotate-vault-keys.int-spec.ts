import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { KeyRing, Vault } from '@app/crypto';
import {
  buildDataSourceOptions,
  ProviderRepository,
  ServiceAccountRepository,
} from '@app/persistence';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { RotateVaultKeysUseCase } from './rotate-vault-keys.usecase';
import { providerSecretBinding, serviceAccountSecretBinding } from './seal-bindings';

describe('vault key rotation (real Postgres)', () => {
  let database: TestDatabase;
  let ds: DataSource;
  const oldKey = KeyRing.generateSpec('k1');
  const newKey = KeyRing.generateSpec('k2');
  const ctx = { actor: 'test' };
  const GITHUB_ID = randomUUID();
  const PAT_ID = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = await new DataSource(buildDataSourceOptions(database.url, { poolSize: 2 })).initialize();
    const before = new Vault(KeyRing.parse(oldKey));
    await new ProviderRepository(ds).create(
      {
        id: GITHUB_ID,
        name: 'github',
        kind: 'github',
        clientId: 'c',
        clientSecretSealed: before.seal('gh-secret', providerSecretBinding(GITHUB_ID)),
        settings: {},
      },
      ctx,
    );
    await new ProviderRepository(ds).create(
      {
        name: 'public-client',
        kind: 'github',
        clientId: 'p',
        clientSecretSealed: null,
        settings: {},
      },
      ctx,
    );
    await new ServiceAccountRepository(ds).create(
      {
        id: PAT_ID,
        name: 'pat',
        type: 'github_pat',
        settings: {},
        secretSealed: before.seal(
          '{"token":"ghp_x"}',
          serviceAccountSecretBinding(PAT_ID, 'github_pat'),
        ),
      },
      ctx,
    );
    // Sealed for another owner: must be reported, not silently re-sealed or lost.
    await new ServiceAccountRepository(ds).create(
      {
        name: 'moved',
        type: 'github_pat',
        settings: {},
        secretSealed: before.seal(
          '{"token":"t"}',
          serviceAccountSecretBinding('elsewhere', 'github_pat'),
        ),
      },
      ctx,
    );
  });

  afterAll(async () => {
    await ds.destroy();
    await database.drop();
  });

  it('re-seals every secret under the new active key, reports what would not open, and is idempotent', async () => {
    const ring = KeyRing.parse(`${newKey},${oldKey}`);
    const rotate = new RotateVaultKeysUseCase(ds, new Vault(ring));
    const report = await rotate.execute(1);
    expect(report.examined).toBe(3);
    expect(report.resealed).toBe(2);
    expect(report.failed).toEqual([{ table: 'service_accounts', id: expect.any(String) }]);

    // Only the new key is needed now for the rotated rows.
    const onlyNew = new Vault(KeyRing.parse(newKey));
    const [provider] = await ds.query(
      `SELECT client_secret_sealed FROM providers WHERE name = 'github'`,
    );
    expect(onlyNew.open(provider.client_secret_sealed, providerSecretBinding(GITHUB_ID))).toBe(
      'gh-secret',
    );
    const [account] = await ds.query(
      `SELECT secret_sealed FROM service_accounts WHERE name = 'pat'`,
    );
    expect(
      onlyNew.open(account.secret_sealed, serviceAccountSecretBinding(PAT_ID, 'github_pat')),
    ).toBe('{"token":"ghp_x"}');

    const again = await rotate.execute();
    expect(again.resealed).toBe(0);
  });
});
