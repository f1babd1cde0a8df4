import type { DataSource } from 'typeorm';
import { type ConnectionStatus, ConnectionEntity } from '../entities/connection.entity';

export interface ConnectionTokens {
  /** Called with the row id, before the row is written, so tokens are bound to it. */
  seal: (connectionId: string) => { accessTokenSealed: string; refreshTokenSealed: string | null };
  tokenType: string;
  scopes: string[];
  expiresAt: Date | null;
  /** When the access token was obtained. */
  issuedAt: Date;
  /** The RFC 8707 resource the grant was obtained for (kept for refreshes). */
  resource: string | null;
}

/** Users' provider connections: one per (subject, provider); reconnecting replaces the tokens. */
export class ConnectionRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(subject: string, providerId: string): Promise<ConnectionEntity | null> {
    return this.dataSource.getRepository(ConnectionEntity).findOneBy({ subject, providerId });
  }

  listForSubject(subject: string): Promise<ConnectionEntity[]> {
    return this.dataSource
      .getRepository(ConnectionEntity)
      .find({ where: { subject }, order: { createdAt: 'ASC' } });
  }

  /** Stores a fresh grant: creates the connection or replaces its tokens, status back to active. */
  async upsert(
    subject: string,
    providerId: string,
    tokens: ConnectionTokens,
  ): Promise<ConnectionEntity> {
    return this.dataSource.transaction(async (m) => {
      // Serialises completions for one (user, provider): without it two first-time completions
      // would both insert and one would fail on the unique constraint, losing an approved grant.
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `connection:${subject}:${providerId}`,
      ]);
      const repo = m.getRepository(ConnectionEntity);
      const existing = await repo.findOne({
        where: { subject, providerId },
        lock: { mode: 'pessimistic_write' },
      });
      const id =
        existing?.id ?? ((await m.query('SELECT gen_random_uuid() AS id'))[0].id as string);
      const sealed = tokens.seal(id);
      return repo.save({
        ...(existing ?? {}),
        id,
        subject,
        providerId,
        accessTokenSealed: sealed.accessTokenSealed,
        refreshTokenSealed: sealed.refreshTokenSealed,
        tokenType: tokens.tokenType,
        scopes: tokens.scopes,
        expiresAt: tokens.expiresAt,
        issuedAt: tokens.issuedAt,
        resource: tokens.resource,
        refreshGeneration: (existing?.refreshGeneration ?? -1) + 1,
        status: 'active' as ConnectionStatus,
        // A refresh in flight for the replaced grant will find its generation gone.
        refreshLeaseToken: null,
        refreshLeaseUntil: null,
        refreshFailures: 0,
        lastRefreshError: null,
      });
    });
  }

  /** Marks the connection revoked and drops its tokens (the access token is replaced by `emptied`). */
  async revoke(id: string, subject: string, emptied: (id: string) => string): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(ConnectionEntity)
      .update(
        { id, subject },
        { status: 'revoked', accessTokenSealed: emptied(id), refreshTokenSealed: null },
      );
    return (result.affected ?? 0) > 0;
  }

  async setStatus(id: string, subject: string, status: ConnectionStatus): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(ConnectionEntity)
      .update({ id, subject }, { status });
    return (result.affected ?? 0) > 0;
  }
}
