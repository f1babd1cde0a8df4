import type { DataSource } from 'typeorm';
import { z } from 'zod';

/** A stored record of the authorization server's engine (payload sealed by the caller). */
export interface OAuthRecordRow {
  /** `<model>:<sha256 of the engine's id>` */
  key: string;
  payloadSealed: string;
  grantId: string | null;
  /** Epoch seconds when it was consumed (a used code or rotated refresh token). */
  consumed: number | null;
  /** Seconds since it was consumed, by the database clock (the one the reuse window uses). */
  consumedAgeSeconds: number | null;
  /** Whether its one retry in the reuse window was taken, or it was superseded (no retry left). */
  retryUsed: boolean;
}

/** The refresh token a new one replaces, and whether this is the retry's rotation. */
export interface RotationLink {
  rotatedFrom: string;
  viaRetry: boolean;
}

/**
 * Storage for the authorization server's engine: one row per record, keyed by a hash of the
 * engine's id (a bearer secret for codes, refresh tokens and sessions), payload sealed by the
 * caller. Expired rows stay until `deleteExpired` (the engine checks expiry itself, so a replayed
 * code is still recognised as one after it expired).
 */
export class OAuthRecordRepository {
  constructor(private readonly dataSource: DataSource) {}

  async upsert(
    key: string,
    model: string,
    payloadSealed: string,
    index: {
      grantId: string | null;
      userCode: string | null;
      uid: string | null;
      clientId: string | null;
    },
    expiresInSeconds: number | undefined,
    rotation?: RotationLink,
  ): Promise<void> {
    // A successor saved after its predecessor's retry was taken (a concurrent rotation that lost
    // to the retry) is stored superseded: whoever holds it replays when presenting it. The
    // predecessor's row is locked, as the retry locks it, so exactly one of the two sees the other.
    await this.dataSource.query(
      `WITH predecessor AS (
         SELECT retry_used_at IS NOT NULL AS retried FROM oauth_records WHERE id = $9 FOR UPDATE),
       superseded AS (
         SELECT CASE WHEN NOT coalesce($10::boolean, true) AND coalesce((SELECT retried FROM predecessor), false)
           THEN now() END AS at)
       INSERT INTO oauth_records (id, model, payload_sealed, grant_id, user_code, uid, client_id, expires_at,
         rotated_from, consumed_at, retry_used_at)
       SELECT $1, $2, $3, $4, $5, $6, $7,
         CASE WHEN $8::int IS NULL THEN NULL ELSE now() + make_interval(secs => $8::int) END,
         $9, superseded.at, superseded.at
       FROM superseded
       ON CONFLICT (id) DO UPDATE SET payload_sealed = EXCLUDED.payload_sealed, grant_id = EXCLUDED.grant_id,
         user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, client_id = EXCLUDED.client_id,
         expires_at = EXCLUDED.expires_at`,
      [
        key,
        model,
        payloadSealed,
        index.grantId,
        index.userCode,
        index.uid,
        index.clientId,
        expiresInSeconds === undefined ? null : Math.max(0, Math.ceil(expiresInSeconds)),
        rotation?.rotatedFrom ?? null,
        rotation?.viaRetry ?? null,
      ],
    );
  }

  find(key: string): Promise<OAuthRecordRow | undefined> {
    return this.findOneWhere('id = $1', [key]);
  }

  findByUid(model: string, uid: string): Promise<OAuthRecordRow | undefined> {
    return this.findOneWhere('model = $1 AND uid = $2', [model, uid]);
  }

  findByUserCode(model: string, userCode: string): Promise<OAuthRecordRow | undefined> {
    return this.findOneWhere('model = $1 AND user_code = $2', [model, userCode]);
  }

  /**
   * Marks a record used, atomically: true for the one caller that did, false for everyone else
   * (already used, or gone), so a code or refresh token presented twice at once is caught.
   */
  async consume(key: string): Promise<boolean> {
    // A CTE so the driver answers rows (TypeORM returns [rows, count] for a bare UPDATE).
    const rows: Array<{ n: number }> = await this.dataSource.query(
      `WITH used AS (
         UPDATE oauth_records SET consumed_at = now() WHERE id = $1 AND consumed_at IS NULL RETURNING 1)
       SELECT count(*)::int AS n FROM used`,
      [key],
    );
    return rows[0]?.n === 1;
  }

  /**
   * Takes the one retry of a rotated refresh token presented again within `windowSeconds` of its
   * rotation (its response was lost): true when taken, and then every successor it was rotated
   * to is superseded. False — a replay — when it was rotated longer ago, its retry was taken, or
   * a successor was already used (its holder got the response). Atomic: the token's row is locked.
   */
  async takeRotationRetry(key: string, windowSeconds: number): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const open: unknown[] = await manager.query(
        `SELECT 1 FROM oauth_records
         WHERE id = $1 AND consumed_at IS NOT NULL AND retry_used_at IS NULL
           AND consumed_at > now() - make_interval(secs => $2::int)
         FOR UPDATE`,
        [key, windowSeconds],
      );
      if (open.length === 0) {
        return false;
      }
      const superseded: Array<{ id: string }> = await manager.query(
        // A CTE so the driver answers rows (TypeORM returns [rows, count] for a bare UPDATE).
        `WITH superseded AS (
           UPDATE oauth_records SET consumed_at = now(), retry_used_at = now()
           WHERE rotated_from = $1 AND consumed_at IS NULL RETURNING id)
         SELECT id FROM superseded`,
        [key],
      );
      // After the update (which waited for any concurrent use of a successor): was one used?
      const used: unknown[] = await manager.query(
        `SELECT 1 FROM oauth_records
         WHERE rotated_from = $1 AND consumed_at IS NOT NULL AND NOT (id = ANY($2::text[])) LIMIT 1`,
        [key, superseded.map((row) => row.id)],
      );
      if (used.length > 0) {
        return false;
      }
      await manager.query('UPDATE oauth_records SET retry_used_at = now() WHERE id = $1', [key]);
      return true;
    });
  }

  async destroy(key: string): Promise<void> {
    await this.dataSource.query('DELETE FROM oauth_records WHERE id = $1', [key]);
  }

  /**
   * Deletes every record issued under a grant (codes, tokens: they carry its id) and the grant
   * itself (its row `grantKey`), so a token saved a moment later by a concurrent request is
   * refused too (its grant is gone).
   */
  async revokeByGrantId(grantId: string, grantKey: string): Promise<void> {
    await this.dataSource.query('DELETE FROM oauth_records WHERE grant_id = $1 OR id = $2', [
      grantId,
      grantKey,
    ]);
  }

  /** Removes rows expired for more than `graceSeconds`; returns how many. */
  async deleteExpired(limit = 10_000, graceSeconds = 3600): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM oauth_records WHERE id IN (
           SELECT id FROM oauth_records WHERE expires_at < now() - make_interval(secs => $2::int) LIMIT $1)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [limit, graceSeconds],
    );
    return rows[0]?.n ?? 0;
  }

  /** Marks a registered client (its row `clientKey`) as one that completed a sign-in: it is kept. */
  async markClientSignedIn(clientKey: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE oauth_records SET signed_in_at = now()
       WHERE id = $1 AND model = 'Client' AND signed_in_at IS NULL`,
      [clientKey],
    );
  }

  /**
   * Removes registered clients that never completed a sign-in within `ttlHours` of registering,
   * with their registration access tokens; returns how many clients.
   */
  async deleteUnusedClients(ttlHours: number, limit = 10_000): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM oauth_records WHERE id IN (
           SELECT id FROM oauth_records
           WHERE model = 'Client' AND signed_in_at IS NULL AND created_at < now() - make_interval(hours => $1::int)
           LIMIT $2)
         RETURNING client_id),
       tokens AS (
         DELETE FROM oauth_records
         WHERE model = 'RegistrationAccessToken' AND client_id IN (SELECT client_id FROM gone))
       SELECT count(*)::int AS n FROM gone`,
      [ttlHours, limit],
    );
    return rows[0]?.n ?? 0;
  }

  private async findOneWhere(where: string, values: string[]): Promise<OAuthRecordRow | undefined> {
    const rows: Array<{
      id: string;
      payload_sealed: string;
      grant_id: string | null;
      consumed: string | null;
      consumed_age: number | null;
      retry_used: boolean;
    }> = await this.dataSource.query(
      `SELECT id, payload_sealed, grant_id, floor(extract(epoch FROM consumed_at))::bigint AS consumed,
         extract(epoch FROM now() - consumed_at)::float8 AS consumed_age, retry_used_at IS NOT NULL AS retry_used
       FROM oauth_records WHERE ${where} LIMIT 1`,
      values,
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : {
          key: row.id,
          payloadSealed: row.payload_sealed,
          grantId: row.grant_id,
          consumed: row.consumed === null ? null : Number(row.consumed),
          consumedAgeSeconds: row.consumed_age,
          retryUsed: row.retry_used,
        };
  }
}

export interface UserRecord {
  id: string;
  idpIssuer: string;
  idpSubject: string;
  email: string | null;
  /** Whether the IdP vouched for the email (OIDC `email_verified`, GitHub's verified primary). */
  emailVerified: boolean;
  name: string | null;
}

/** People who logged in through the upstream IdP; `id` is the subject of the tokens we issue. */
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  async upsertLogin(
    idpIssuer: string,
    idpSubject: string,
    profile: { email: string | null; emailVerified: boolean; name: string | null },
  ): Promise<UserRecord> {
    const rows: UserRow[] = await this.dataSource.query(
      `INSERT INTO users (idp_issuer, idp_subject, email, email_verified, name) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (idp_issuer, idp_subject) DO UPDATE SET email = EXCLUDED.email,
         email_verified = EXCLUDED.email_verified, name = EXCLUDED.name, last_login_at = now()
       RETURNING id, idp_issuer, idp_subject, email, email_verified, name`,
      [idpIssuer, idpSubject, profile.email, profile.emailVerified, profile.name],
    );
    return toUser(rows[0]!);
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    if (!UUID.safeParse(id).success) {
      return undefined;
    }
    const rows: UserRow[] = await this.dataSource.query(
      'SELECT id, idp_issuer, idp_subject, email, email_verified, name FROM users WHERE id = $1',
      [id],
    );
    return rows[0] === undefined ? undefined : toUser(rows[0]);
  }
}

/**
 * What each user allowed each client, per resource (the audience the tokens are for); the consent
 * page is skipped while it covers a request.
 */
export class ConsentRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Whether the user allowed the client every one of `scopes` for every one of `resources`. */
  async covers(
    userId: string,
    clientId: string,
    resources: string[],
    scopes: string[],
  ): Promise<boolean> {
    if (resources.length === 0) {
      return false;
    }
    const rows: Array<{ resource: string; scopes: string[] }> = await this.dataSource.query(
      'SELECT resource, scopes FROM consents WHERE user_id = $1 AND client_id = $2 AND resource = ANY($3::text[])',
      [userId, clientId, resources],
    );
    const byResource = new Map(rows.map((row) => [row.resource, row.scopes]));
    return resources.every((resource) => {
      const allowed = byResource.get(resource);
      return allowed !== undefined && scopes.every((scope) => allowed.includes(scope));
    });
  }

  /** Adds scopes to what the user allowed the client for each resource (never narrows). */
  async grant(
    userId: string,
    clientId: string,
    resources: string[],
    scopes: string[],
  ): Promise<void> {
    const sorted = JSON.stringify([...new Set(scopes)].sort());
    for (const resource of new Set(resources)) {
      await this.dataSource.query(
        `INSERT INTO consents (user_id, client_id, resource, scopes) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, client_id, resource) DO UPDATE SET updated_at = now(), scopes = (
           SELECT jsonb_agg(DISTINCT s ORDER BY s) FROM jsonb_array_elements_text(consents.scopes || EXCLUDED.scopes) s)`,
        [userId, clientId, resource, sorted],
      );
    }
  }

  async revoke(userId: string, clientId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM consents WHERE user_id = $1 AND client_id = $2', [
      userId,
      clientId,
    ]);
  }
}

/** A user id (the tokens' `sub`, attacker-supplied on lookups): a UUID, or no user. */
const UUID = z.uuid();

interface UserRow {
  id: string;
  idp_issuer: string;
  idp_subject: string;
  email: string | null;
  email_verified: boolean;
  name: string | null;
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    idpIssuer: row.idp_issuer,
    idpSubject: row.idp_subject,
    email: row.email,
    emailVerified: row.email_verified,
    name: row.name,
  };
}
