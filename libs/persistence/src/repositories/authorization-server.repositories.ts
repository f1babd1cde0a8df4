import type { DataSource } from 'typeorm';

/** A record of the OAuth engine (client, grant, code, refresh token, session, interaction...). */
export type OAuthRecordPayload = Record<string, unknown>;

/**
 * Storage for the authorization server's engine, one row per (model, id). Expired rows are never
 * returned (and are deleted by `deleteExpired`); a consumed record keeps its row so a replay is
 * recognised as one.
 */
export class OAuthRecordRepository {
  constructor(private readonly dataSource: DataSource) {}

  async upsert(
    model: string,
    id: string,
    payload: OAuthRecordPayload,
    expiresInSeconds: number | undefined,
  ): Promise<void> {
    const str = (key: string) => (typeof payload[key] === 'string' ? payload[key] : null);
    await this.dataSource.query(
      `INSERT INTO oauth_records (model, id, payload, grant_id, user_code, uid, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + make_interval(secs => $7::int) END)
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
         user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
      [
        model,
        id,
        JSON.stringify(payload),
        str('grantId'),
        str('userCode'),
        str('uid'),
        expiresInSeconds === undefined ? null : Math.max(0, Math.ceil(expiresInSeconds)),
      ],
    );
  }

  find(model: string, id: string): Promise<OAuthRecordPayload | undefined> {
    return this.findOneWhere(model, 'id = $2', id);
  }

  findByUid(model: string, uid: string): Promise<OAuthRecordPayload | undefined> {
    return this.findOneWhere(model, 'uid = $2', uid);
  }

  findByUserCode(model: string, userCode: string): Promise<OAuthRecordPayload | undefined> {
    return this.findOneWhere(model, 'user_code = $2', userCode);
  }

  async consume(model: string, id: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE oauth_records SET consumed_at = now() WHERE model = $1 AND id = $2 AND consumed_at IS NULL',
      [model, id],
    );
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.dataSource.query('DELETE FROM oauth_records WHERE model = $1 AND id = $2', [
      model,
      id,
    ]);
  }

  /** Deletes every record issued under a grant (all models): codes, tokens, the grant itself. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM oauth_records WHERE grant_id = $1', [grantId]);
  }

  /** Removes expired rows; returns how many. */
  async deleteExpired(limit = 10_000): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM oauth_records WHERE ctid IN (
         SELECT ctid FROM oauth_records WHERE expires_at < now() LIMIT $1) RETURNING 1`,
      [limit],
    );
    return rows.length;
  }

  private async findOneWhere(
    model: string,
    where: string,
    value: string,
  ): Promise<OAuthRecordPayload | undefined> {
    const rows: Array<{ payload: OAuthRecordPayload; consumed: number | null }> =
      await this.dataSource.query(
        `SELECT payload, floor(extract(epoch FROM consumed_at))::bigint AS consumed FROM oauth_records
         WHERE model = $1 AND ${where} AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`,
        [model, value],
      );
    const row = rows[0];
    if (row === undefined) {
      return undefined;
    }
    return row.consumed === null ? row.payload : { ...row.payload, consumed: Number(row.consumed) };
  }
}

export interface UserRecord {
  id: string;
  idpIssuer: string;
  idpSubject: string;
  email: string | null;
  name: string | null;
}

/** People who logged in through the upstream IdP; `id` is the subject of the tokens we issue. */
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  async upsertLogin(
    idpIssuer: string,
    idpSubject: string,
    profile: { email: string | null; name: string | null },
  ): Promise<UserRecord> {
    const rows: UserRow[] = await this.dataSource.query(
      `INSERT INTO users (idp_issuer, idp_subject, email, name) VALUES ($1, $2, $3, $4)
       ON CONFLICT (idp_issuer, idp_subject) DO UPDATE SET email = EXCLUDED.email,
         name = EXCLUDED.name, last_login_at = now()
       RETURNING id, idp_issuer, idp_subject, email, name`,
      [idpIssuer, idpSubject, profile.email, profile.name],
    );
    return toUser(rows[0]!);
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    if (!UUID.test(id)) {
      return undefined;
    }
    const rows: UserRow[] = await this.dataSource.query(
      'SELECT id, idp_issuer, idp_subject, email, name FROM users WHERE id = $1',
      [id],
    );
    return rows[0] === undefined ? undefined : toUser(rows[0]);
  }
}

/** What each user allowed each client; the consent page is skipped while it covers a request. */
export class ConsentRepository {
  constructor(private readonly dataSource: DataSource) {}

  async scopesFor(userId: string, clientId: string): Promise<string[]> {
    const rows: Array<{ scopes: string[] }> = await this.dataSource.query(
      'SELECT scopes FROM consents WHERE user_id = $1 AND client_id = $2',
      [userId, clientId],
    );
    return rows[0]?.scopes ?? [];
  }

  /** Adds scopes to what the user allowed the client (never narrows). */
  async grant(userId: string, clientId: string, scopes: string[]): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO consents (user_id, client_id, scopes) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, client_id) DO UPDATE SET updated_at = now(), scopes = (
         SELECT jsonb_agg(DISTINCT s ORDER BY s) FROM jsonb_array_elements_text(consents.scopes || EXCLUDED.scopes) s)`,
      [userId, clientId, JSON.stringify([...new Set(scopes)].sort())],
    );
  }

  async revoke(userId: string, clientId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM consents WHERE user_id = $1 AND client_id = $2', [
      userId,
      clientId,
    ]);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface UserRow {
  id: string;
  idp_issuer: string;
  idp_subject: string;
  email: string | null;
  name: string | null;
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    idpIssuer: row.idp_issuer,
    idpSubject: row.idp_subject,
    email: row.email,
    name: row.name,
  };
}
