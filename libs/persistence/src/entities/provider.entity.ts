import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { VersionedEntity } from './versioned.entity';

/** An OAuth/OIDC provider users connect to for tool credentials. The secret is sealed. */
@Entity({ name: 'providers' })
export class ProviderEntity extends VersionedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The name policies refer to (`auth_method.provider`). */
  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  kind: string;

  @Column({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ name: 'client_secret_sealed', type: 'text', nullable: true })
  clientSecretSealed: string | null;

  /** Endpoints, scopes and switches; see the provider model in the token broker. */
  @Column({ type: 'jsonb' })
  settings: Record<string, unknown>;
}
