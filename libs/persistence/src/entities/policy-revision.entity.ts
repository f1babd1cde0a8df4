import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Policy } from '@app/policy-engine';

/** One committed policy-set version: who made it, why, and the whole set as it then stood. */
@Entity({ name: 'policy_revisions' })
export class PolicyRevisionEntity {
  /** The policy-set version this revision created (1, 2, 3 …). */
  @PrimaryColumn({
    type: 'bigint',
    transformer: { to: (v: number) => v, from: (v: string) => Number(v) },
  })
  version: number;

  @Column({ type: 'text' })
  actor: string;

  @Column({ type: 'text' })
  reason: string;

  @Column({ name: 'policy_count', type: 'integer' })
  policyCount: number;

  @Column({ type: 'jsonb' })
  snapshot: Policy[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
