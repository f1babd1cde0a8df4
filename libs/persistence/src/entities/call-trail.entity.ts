import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One tool call through the gateway (issue 9 §4): who, which tool, which policy decided, which
 * credential was injected (kind, id, refresh generation — never the credential itself), what the
 * upstream answered. Append-only; the cleanup job deletes rows past CALL_TRAIL_RETENTION_DAYS.
 */
@Entity({ name: 'call_trail' })
export class CallTrailEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'text' })
  principal: string;

  @Column({ name: 'client_id', type: 'text', nullable: true })
  clientId: string | null;

  @Column({ type: 'text' })
  upstream: string;

  @Column({ type: 'text' })
  tool: string;

  @Column({ name: 'policy_id', type: 'text', nullable: true })
  policyId: string | null;

  @Column({ name: 'policy_set_version', type: 'bigint', nullable: true })
  policySetVersion: string | null;

  @Column({ type: 'text' })
  decision: string;

  @Column({ name: 'credential_kind', type: 'text', nullable: true })
  credentialKind: string | null;

  @Column({ name: 'credential_id', type: 'text', nullable: true })
  credentialId: string | null;

  @Column({ name: 'credential_generation', type: 'integer', nullable: true })
  credentialGeneration: number | null;

  @Column({ name: 'upstream_status', type: 'integer', nullable: true })
  upstreamStatus: number | null;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs: number;

  @Column({ name: 'correlation_id', type: 'text', nullable: true })
  correlationId: string | null;
}
