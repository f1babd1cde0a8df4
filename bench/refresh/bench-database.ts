import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { Vault } from '../../libs/crypto/src';
import { buildDataSourceOptions, ProviderRepository } from '../../libs/persistence/src';
import type { MockTokenEndpoint } from '../../libs/testing/src';
import { connectionTokenBinding, providerSecretBinding } from '../../libs/vault/src';

const INSERT_BATCH = 5000;

/**
 * The benchmark's own database (created, migrated, dropped at the end) with one `oauth2` provider
 * pointing at the mock token endpoint, and bulk-seeded connections due for refresh.
 */
export class BenchDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly adminUrl: string,
    readonly ds: DataSource,
  ) {}

  static async create(adminUrl: string): Promise<BenchDatabase> {
    const name = `refresh_bench_${randomBytes(4).toString('hex')}`;
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const ds = await new DataSource(
      buildDataSourceOptions(url.toString(), { poolSize: 1, applicationName: 'bench-refresh' }),
    ).initialize();
    await ds.runMigrations();
    return new BenchDatabase(name, url.toString(), adminUrl, ds);
  }

  async seedProvider(vault: Vault, tokenUrl: string): Promise<string> {
    const id = randomUUID();
    await new ProviderRepository(this.ds).create(
      {
        id,
        name: 'bench-mock',
        kind: 'oauth2',
        clientId: 'bench-client',
        clientSecretSealed: vault.seal('bench-secret', providerSecretBinding(id)),
        settings: { token_endpoint: tokenUrl, authorization_endpoint: `${tokenUrl}/authorize` },
      },
      { actor: 'bench' },
    );
    return id;
  }

  /**
   * `count` active connections of 1-hour tokens issued 58 minutes ago (due: the lead is
   * min(5 min, half the lifetime)), each its own refresh-token family at the mock (family = id),
   * sealed as the broker seals them. Returns their ids.
   */
  async seedConnections(
    vault: Vault,
    mock: MockTokenEndpoint,
    providerId: string,
    count: number,
  ): Promise<string[]> {
    const ids: string[] = [];
    const issuedAt = new Date(Date.now() - 58 * 60_000);
    const expiresAt = new Date(issuedAt.getTime() + 3600_000);
    for (let start = 0; start < count; start += INSERT_BATCH) {
      const batch = Array.from({ length: Math.min(INSERT_BATCH, count - start) }, () =>
        randomUUID(),
      );
      const access: string[] = [];
      const refresh: string[] = [];
      for (const id of batch) {
        const tokens = mock.issue(id);
        access.push(
          vault.seal(tokens.access_token, connectionTokenBinding(id, providerId, 'access_token')),
        );
        refresh.push(
          vault.seal(tokens.refresh_token, connectionTokenBinding(id, providerId, 'refresh_token')),
        );
      }
      await this.ds.query(
        `INSERT INTO connections (id, subject, provider_id, access_token_sealed,
                                  refresh_token_sealed, token_type, scopes, expires_at, issued_at,
                                  refresh_generation, status)
         SELECT id, 'bench-user-' || id, $2, access, refresh, 'Bearer', '["repo"]'::jsonb, $5, $6,
                0, 'active'
           FROM unnest($1::uuid[], $3::text[], $4::text[]) AS t(id, access, refresh)`,
        [batch, providerId, access, refresh, expiresAt, issuedAt],
      );
      ids.push(...batch);
    }
    // Our statistics now, not while the workers are measured (idle backends flush after 10 s).
    await this.ds.query('SELECT pg_stat_force_next_flush()');
    return ids;
  }

  /** Connections refreshed exactly once whose stored refresh token is the mock's latest. */
  async countRotated(vault: Vault, mock: MockTokenEndpoint): Promise<{ ok: number; bad: number }> {
    const rows = (await this.ds.query(
      'SELECT id, provider_id, refresh_token_sealed, refresh_generation, status FROM connections',
    )) as Array<{
      id: string;
      provider_id: string;
      refresh_token_sealed: string | null;
      refresh_generation: number;
      status: string;
    }>;
    let ok = 0;
    for (const row of rows) {
      const stored =
        row.refresh_token_sealed === null
          ? null
          : vault.open(
              row.refresh_token_sealed,
              connectionTokenBinding(row.id, row.provider_id, 'refresh_token'),
            );
      if (
        row.status === 'active' &&
        row.refresh_generation === 1 &&
        stored === mock.latestOf(row.id)
      ) {
        ok++;
      }
    }
    return { ok, bad: rows.length - ok };
  }

  async truncateConnections(): Promise<void> {
    await this.ds.query('TRUNCATE connections');
  }

  async drop(): Promise<void> {
    await this.ds.destroy().catch(() => undefined);
    await withClient(this.adminUrl, (c) =>
      c.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`),
    ).catch((error: Error) =>
      process.stderr.write(`could not drop ${this.name}: ${error.message}\n`),
    );
  }
}

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
