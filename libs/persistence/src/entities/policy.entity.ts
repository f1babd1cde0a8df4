import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { VersionedEntity } from './versioned.entity';
import type { AuthMethod } from '@app/policy-engine';

@Entity({ name: 'policies' })
export class PolicyEntity extends VersionedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'match_pattern', type: 'text' })
  matchPattern: string;

  @Column({ type: 'integer' })
  priority: number;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ name: 'auth_method', type: 'jsonb' })
  authMethod: AuthMethod;
}
