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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
