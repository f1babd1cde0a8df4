import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { type ConnectionStatus, ConnectionEntity } from '../entities/connection.entity';

/** What a refresher holds while it talks to the provider. */
export interface RefreshLease {
  /** The connection as it was when the lease was taken. */
  connection: ConnectionEntity;
  /** Written back with the tokens: only the lease holder's write is accepted. */
  token: string;
  until: Date;
  /** The provider row's `row_version` when the lease was taken; null when the provider is gone. */
  providerVersion: number | null;
}

interface ClaimKey {
  id: string;
  leaseMs: number;
}

interface StoreKey {
  lease: RefreshLease;
  tokens: RefreshedTokens;
}

/** Rows per batched statement. */
const BATCH_MAX = 100;
/** No cache (every claim is a new statement); batches gathered until the loop's next turn. */
const BATCHING = {
  cache: false,
  maxBatchSize: BATCH_MAX,
  batchScheduleFn: (run: () => void) => setImmediate(run),
} as const;
// A connection id that is not a UUID names no row (and must not fail the batch it is in).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
 *
 * Claims and stores issued by concurrent refreshes of one process are sent together (DataLoader,
 * gathered until the event loop's next turn, at most {@link BATCH_MAX} per statement): one
 * statement for a batch instead of one per connection — the per-job Postgres cost was most of a
 * refresh's CPU (`npm run bench:refresh`). Each row keeps its own conditions, so a batch decides
 * exactly what the single statements would. A batch with a value Postgres refuses is run again
 * row by row, so one bad row fails only its own refresh; an outage fails the batch at once.
 */
export class ConnectionRefreshRepository {
  private readonly claims = new DataLoader<ClaimKey, RefreshLease | 'busy' | null>(
    (keys) => this.isolated(keys, (batch) => this.claimBatch(batch)),
    BATCHING,
  );
  private readonly stores = new DataLoader<StoreKey, ConnectionEntity | null>(
    (keys) => this.isolated(keys, (batch) => this.storeBatch(batch)),
    BATCHING,
  );

  constructor(private readonly dataSource: DataSource) {}

  /** The lease, `'busy'` while another holder has it, or null when the connection is gone. */
  claim(id: string, leaseMs: number): Promise<RefreshLease | 'busy' | null> {
    return this.claims.load({ id, leaseMs });
  }

  /**
   * Writes the rotated tokens, bumps the generation and releases the lease, in one statement that
   * succeeds only for the lease holder at the generation it read. Null: the write was refused
   * (lease expired and taken, the user reconnected, or the connection was revoked meanwhile).
   */
  store(lease: RefreshLease, tokens: RefreshedTokens): Promise<ConnectionEntity | null> {
    return this.stores.load({ lease, tokens });
  }

  /**
   * Rows already leased, or locked by a statement of another refresher at this instant
   * (`SKIP LOCKED`: a claim never waits, so batches cannot deadlock), are not claimed; of those,
   * the ones that exist are `busy`. The same id twice in one batch (two refreshes of one
   * connection in this process) is claimed once: the second caller is `busy`, as it would be a
   * moment later.
   */
  private async claimBatch(keys: readonly ClaimKey[]): Promise<(RefreshLease | 'busy' | null)[]> {
    const results = new Map<string, RefreshLease>();
    for (const leaseMs of new Set(keys.map((k) => k.leaseMs))) {
      const ids = [...new Set(keys.filter((k) => k.leaseMs === leaseMs).map((k) => k.id))]
        .filter((id) => UUID.test(id))
        .sort();
      if (ids.length === 0) {
        continue;
      }
      const rows = (await this.dataSource.query(
        `WITH free AS (
           SELECT id FROM connections
            WHERE id = ANY($1::uuid[]) AND (refresh_lease_until IS NULL OR refresh_lease_until < now())
            ORDER BY id
              FOR UPDATE SKIP LOCKED
         ), claimed AS (
           UPDATE connections c
              SET refresh_lease_token = gen_random_uuid(),
                  refresh_lease_until = now() + make_interval(secs => $2::double precision / 1000)
             FROM free WHERE c.id = free.id
           RETURNING c.*
         )
         SELECT claimed.*, p.row_version AS provider_row_version
           FROM claimed LEFT JOIN providers p ON p.id = claimed.provider_id`,
        [ids, leaseMs],
      )) as Record<string, unknown>[];
      for (const row of rows) {
        const connection = toConnection(row);
        results.set(connection.id, {
          connection,
          token: connection.refreshLeaseToken!,
          until: connection.refreshLeaseUntil!,
          providerVersion: (row.provider_row_version as number | null) ?? null,
        });
      }
    }
    const unclaimed = [...new Set(keys.map((k) => k.id))].filter(
      (id) => !results.has(id) && UUID.test(id),
    );
    const existing =
      unclaimed.length === 0
        ? new Set<string>()
        : new Set(
            (
              (await this.dataSource.query(
                'SELECT id FROM connections WHERE id = ANY($1::uuid[])',
                [unclaimed],
              )) as { id: string }[]
            ).map((r) => r.id),
          );
    const handedOut = new Set<string>();
    return keys.map((key) => {
      const lease = results.get(key.id);
      if (lease !== undefined && !handedOut.has(key.id)) {
        handedOut.add(key.id);
        return lease;
      }
      return lease !== undefined || existing.has(key.id) ? 'busy' : null;
    });
  }

  private async storeBatch(keys: readonly StoreKey[]): Promise<(ConnectionEntity | null)[]> {
    const sorted = [...keys].sort((a, b) =>
      a.lease.connection.id < b.lease.connection.id ? -1 : 1,
    );
    const columns = sorted.map(({ lease, tokens }) => {
      const c = lease.connection;
      return { c, lease, tokens, sealed: tokens.seal(c.id) };
    });
    const rows = (await this.dataSource.query(
      `UPDATE connections c
          SET access_token_sealed = v.access_token_sealed,
              refresh_token_sealed = COALESCE(v.refresh_token_sealed, c.refresh_token_sealed),
              token_type = v.token_type, scopes = v.scopes, expires_at = v.expires_at,
              issued_at = v.issued_at,
              refresh_generation = c.refresh_generation + 1,
              refresh_lease_token = NULL, refresh_lease_until = NULL,
              refresh_failures = 0, last_refresh_error = NULL, last_refreshed_at = now(),
              updated_at = now()
         FROM unnest($1::uuid[], $2::uuid[], $3::integer[], $4::text[], $5::text[], $6::text[],
                     $7::jsonb[], $8::timestamptz[], $9::timestamptz[])
           AS v(id, lease_token, generation, access_token_sealed, refresh_token_sealed,
                token_type, scopes, expires_at, issued_at)
        WHERE c.id = v.id AND c.refresh_lease_token = v.lease_token
          AND c.refresh_generation = v.generation AND c.status = 'active'
      RETURNING c.*`,
      [
        columns.map((x) => x.c.id),
        columns.map((x) => x.lease.token),
        columns.map((x) => x.c.refreshGeneration),
        columns.map((x) => x.sealed.accessTokenSealed),
        columns.map((x) => x.sealed.refreshTokenSealed),
        columns.map((x) => x.tokens.tokenType),
        columns.map((x) => JSON.stringify(x.tokens.scopes)),
        columns.map((x) => x.tokens.expiresAt),
        columns.map((x) => x.tokens.issuedAt),
      ],
    )) as [Record<string, unknown>[], number] | Record<string, unknown>[];
    const stored = new Map(allRows(rows).map((row) => [row.id as string, toConnection(row)]));
    return keys.map((key) => stored.get(key.lease.connection.id) ?? null);
  }

  /**
   * `run` for the whole batch; if Postgres refused a value of it, for each key alone, so the error
   * reaches only the callers whose row caused it (DataLoader rejects exactly the callers given an
   * Error). Any other failure (Postgres unreachable, a lost connection) fails the whole batch at
   * once: a hundred single statements would only add load to an outage.
   */
  private async isolated<K, V>(
    keys: readonly K[],
    run: (batch: readonly K[]) => Promise<V[]>,
  ): Promise<(V | Error)[]> {
    try {
      return await run(keys);
    } catch (error) {
      if (keys.length === 1 || !isRowError(error)) {
        return [error instanceof Error ? error : new Error(String(error))];
      }
      return Promise.all(
        keys.map((key) =>
          run([key]).then(
            (results) => results[0],
            (failure: unknown) => (failure instanceof Error ? failure : new Error(String(failure))),
          ),
        ),
      );
    }
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

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint): a row's values, not Postgres. */
function isRowError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/** `UPDATE … RETURNING` answers `[rows, count]` through TypeORM's postgres driver. */
function allRows(
  result: [Record<string, unknown>[], number] | Record<string, unknown>[],
): Record<string, unknown>[] {
  return (Array.isArray(result[0]) ? result[0] : result) as Record<string, unknown>[];
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
