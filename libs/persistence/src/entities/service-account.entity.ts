import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { VersionedEntity } from './versioned.entity';

/** A machine credential injected for `service_account` policies. The secret is sealed. */
@Entity({ name: 'service_accounts' })
export class ServiceAccountEntity extends VersionedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The name policies refer to (`auth_method.account_ref`). */
  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ type: 'text', default: '' })
  description: string;

  /** Non-secret settings (header name, token endpoint, client id, scopes …). */
  @Column({ type: 'jsonb' })
  settings: Record<string, unknown>;

  @Column({ name: 'secret_sealed', type: 'text' })
  secretSealed: string;
}
