import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export type ConnectionStatus = 'active' | 'needs_reauth' | 'revoked';

/** One user's connection to one provider. Tokens are sealed, bound to this row's id. */
@Entity({ name: 'connections' })
export class ConnectionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The user, as the gateway authenticated them (token subject). */
  @Column({ type: 'text' })
  subject: string;

  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ name: 'access_token_sealed', type: 'text' })
  accessTokenSealed: string;

  @Column({ name: 'refresh_token_sealed', type: 'text', nullable: true })
  refreshTokenSealed: string | null;

  @Column({ name: 'token_type', type: 'text' })
  tokenType: string;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  scopes: string[];

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  /** Bumped on every refresh, so a worker can tell a stale refresh from a current one. */
  @Column({ name: 'refresh_generation', type: 'integer', default: 0 })
  refreshGeneration: number;

  @Column({ type: 'text' })
  status: ConnectionStatus;

  /** The RFC 8707 resource the grant was obtained for; sent again on every refresh. */
  @Column({ type: 'text', nullable: true })
  resource: string | null;

  /** When the current access token was obtained (its lifetime bounds the refresh lead). */
  @Column({ name: 'issued_at', type: 'timestamptz', nullable: true })
  issuedAt: Date | null;

  /** The single-flight refresh lease: whoever holds this token may write rotated tokens. */
  @Column({ name: 'refresh_lease_token', type: 'uuid', nullable: true })
  refreshLeaseToken: string | null;

  @Column({ name: 'refresh_lease_until', type: 'timestamptz', nullable: true })
  refreshLeaseUntil: Date | null;

  /** Failed refreshes since the last success. */
  @Column({ name: 'refresh_failures', type: 'integer', default: 0 })
  refreshFailures: number;

  /** Why the last refresh failed (a provider error code or a short reason; never a token). */
  @Column({ name: 'last_refresh_error', type: 'text', nullable: true })
  lastRefreshError: string | null;

  @Column({ name: 'last_refreshed_at', type: 'timestamptz', nullable: true })
  lastRefreshedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
