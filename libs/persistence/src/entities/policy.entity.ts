import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { AuthMethod } from '@app/policy-engine';

@Entity({ name: 'policies' })
export class PolicyEntity {
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

  /** Bumped on every write; the policy's ETag. */
  @Column({ name: 'row_version', type: 'integer', default: 1 })
  rowVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
