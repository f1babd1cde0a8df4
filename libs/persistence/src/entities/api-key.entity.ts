import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { VersionedEntity } from './versioned.entity';

/** An API key: only its keyed hash is stored; `keyId` (not secret) finds the row. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity extends VersionedEntity {
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
}
