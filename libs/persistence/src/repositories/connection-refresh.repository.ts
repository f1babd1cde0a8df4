import type { DataSource } from 'typeorm';
import { type ConnectionStatus, ConnectionEntity } from '../entities/connection.entity';

/** What a refresher holds while it talks to the provider. */
export interface RefreshLease {
  /** The connection as it was when the lease was taken. */
  connection: ConnectionEntity;
  /** Written back with the tokens: only the lease holder's write is accepted. */
  token: string;
  until: Date;
}

/** The rotated tokens of one refresh. `refreshTokenSealed: null` keeps the current refresh token. */
export interface RefreshedTokens {
  seal: (connectionId: string) => { accessTokenSealed: string; refreshTokenSealed: string | null };
  tokenType: string;
  scopes: string[];
  expiresAt: Date | null;
  issuedAt: Date;
}

/** A connection's refresh schedule inputs, for the sweep. */
export type RefreshableConnection = Pick<
  ConnectionEntity,
  | 'id'
  | 'providerId'
  | 'expiresAt'
  | 'issuedAt'
  | 'refreshGeneration'
  | 'refreshLeaseUntil'
  | 'refreshFailures'
>;

/**
 * The refresh side of `connections` (issue 10 §2), single flight across replicas:
 * {@link claim} takes a lease on the row (one holder at a time, whichever process it runs in);
 * {@link store} writes the rotated tokens only if the lease is still the caller's *and* the
 * refresh generation is the one it read (compare-and-swap), so a refresher that lost its lease
 * can never overwrite a newer rotation. The lease outlives the token endpoint's timeout; a holder
 * that dies leaves it to expire.
 */
export class ConnectionRefreshRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The lease, `'busy'` while another holder has it, or null when the connection is gone. */
  async claim(id: string, leaseMs: number): Promise<RefreshLease | 'busy' | null> {
    const rows = (await this.dataSource.query(
      `UPDATE connections
          SET refresh_lease_token = gen_random_uuid(),
              refresh_lease_until = now() + make_interval(secs => $2::double precision / 1000)
        WHERE id = $1 AND (refresh_lease_until IS NULL OR refresh_lease_until < now())
      RETURNING *`,
      [id, leaseMs],
    )) as [Record<string, unknown>[], number] | Record<string, unknown>[];
    const row = firstRow(rows);
    if (row !== undefined) {
      const connection = toConnection(row);
      return {
        connection,
        token: connection.refreshLeaseToken!,
        until: connection.refreshLeaseUntil!,
      };
    }
    const exists = (await this.dataSource.query('SELECT 1 FROM connections WHERE id = $1', [
      id,
    ])) as unknown[];
    return exists.length > 0 ? 'busy' : null;
  }

  /**
   * Writes the rotated tokens, bumps the generation and releases the lease, in one statement that
   * succeeds only for the lease holder at the generation it read. Null: the write was refused
   * (lease expired and taken, the user reconnected, or the connection was revoked meanwhile).
   */
  async store(lease: RefreshLease, tokens: RefreshedTokens): Promise<ConnectionEntity | null> {
    const c = lease.connection;
    const sealed = tokens.seal(c.id);
    const rows = (await this.dataSource.query(
      `UPDATE connections
          SET access_token_sealed = $4,
              refresh_token_sealed = COALESCE($5, refresh_token_sealed),
              token_type = $6, scopes = $7::jsonb, expires_at = $8, issued_at = $9,
              refresh_generation = refresh_generation + 1,
              refresh_lease_token = NULL, refresh_lease_until = NULL,
              refresh_failures = 0, last_refresh_error = NULL, last_refreshed_at = now(),
              updated_at = now()
        WHERE id = $1 AND refresh_lease_token = $2 AND refresh_generation = $3
          AND status = 'active'
      RETURNING *`,
      [
        c.id,
        lease.token,
        c.refreshGeneration,
        sealed.accessTokenSealed,
        sealed.refreshTokenSealed,
        tokens.tokenType,
        JSON.stringify(tokens.scopes),
        tokens.expiresAt,
        tokens.issuedAt,
      ],
    )) as [Record<string, unknown>[], number] | Record<string, unknown>[];
    const row = firstRow(rows);
    return row === undefined ? null : toConnection(row);
  }

  /**
   * Gives the lease back. With `failure`, counts it and records why; `needsReauth` also marks the
   * connection `needs_reauth` and drops the refresh token (the provider refused it for good).
   */
  async release(
    lease: RefreshLease,
    failure?: { reason: string; needsReauth: boolean },
  ): Promise<void> {
    if (failure === undefined) {
      await this.dataSource.query(
        `UPDATE connections SET refresh_lease_token = NULL, refresh_lease_until = NULL
          WHERE id = $1 AND refresh_lease_token = $2`,
        [lease.connection.id, lease.token],
      );
      return;
    }
    await this.dataSource.query(
      `UPDATE connections
          SET refresh_lease_token = NULL, refresh_lease_until = NULL,
              refresh_failures = refresh_failures + 1, last_refresh_error = $3,
              status = CASE WHEN $4 THEN 'needs_reauth' ELSE status END,
              refresh_token_sealed = CASE WHEN $4 THEN NULL ELSE refresh_token_sealed END,
              updated_at = now()
        WHERE id = $1 AND refresh_lease_token = $2`,
      [lease.connection.id, lease.token, failure.reason.slice(0, 200), failure.needsReauth],
    );
  }

  findById(id: string): Promise<ConnectionEntity | null> {
    return this.dataSource.getRepository(ConnectionEntity).findOneBy({ id });
  }

  /**
   * Active connections holding a refresh token, in id order after `afterId` (keyset pages), for
   * the sweep; only the columns the schedule needs.
   */
  async pageRefreshable(afterId: string | null, limit: number): Promise<RefreshableConnection[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, provider_id, expires_at, issued_at, refresh_generation, refresh_lease_until,
              refresh_failures
         FROM connections
        WHERE status = 'active' AND refresh_token_sealed IS NOT NULL
          AND ($1::uuid IS NULL OR id > $1::uuid)
        ORDER BY id LIMIT $2`,
      [afterId, limit],
    )) as Record<string, unknown>[];
    return rows.map((row) => ({
      id: row.id as string,
      providerId: row.provider_id as string,
      expiresAt: row.expires_at as Date | null,
      issuedAt: row.issued_at as Date | null,
      refreshGeneration: row.refresh_generation as number,
      refreshLeaseUntil: row.refresh_lease_until as Date | null,
      refreshFailures: row.refresh_failures as number,
    }));
  }
}

/** `UPDATE … RETURNING` answers `[rows, count]` through TypeORM's postgres driver. */
function firstRow(
  result: [Record<string, unknown>[], number] | Record<string, unknown>[],
): Record<string, unknown> | undefined {
  const rows = Array.isArray(result[0]) ? (result[0] as Record<string, unknown>[]) : result;
  return (rows as Record<string, unknown>[])[0];
}

function toConnection(row: Record<string, unknown>): ConnectionEntity {
  return Object.assign(new ConnectionEntity(), {
    id: row.id as string,
    subject: row.subject as string,
    providerId: row.provider_id as string,
    accessTokenSealed: row.access_token_sealed as string,
    refreshTokenSealed: row.refresh_token_sealed as string | null,
    tokenType: row.token_type as string,
    scopes: row.scopes as string[],
    expiresAt: row.expires_at as Date | null,
    refreshGeneration: row.refresh_generation as number,
    status: row.status as ConnectionStatus,
    resource: row.resource as string | null,
    issuedAt: row.issued_at as Date | null,
    refreshLeaseToken: row.refresh_lease_token as string | null,
    refreshLeaseUntil: row.refresh_lease_until as Date | null,
    refreshFailures: row.refresh_failures as number,
    lastRefreshError: row.last_refresh_error as string | null,
    lastRefreshedAt: row.last_refreshed_at as Date | null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  });
}
