import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/** An API key: only its keyed hash is stored; `keyId` (not secret) finds the row. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The name policies refer to (`auth_method.key_ref`). */
  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'key_id', type: 'text' })
  keyId: string;

  @Column({ name: 'key_hash', type: 'text' })
  keyHash: string;

  /** Last characters of the key, for people to recognise it; not enough to use it. */
  @Column({ type: 'text' })
  hint: string;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  permissions: string[];

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'row_version', type: 'integer', default: 1 })
  rowVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
