import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { VersionedEntity } from './versioned.entity';

/** How the gateway hands the caller's tool credential to an upstream. */
export type CredentialInjection =
  { type: 'authorization' } | { type: 'header'; name: string } | { type: 'none' };

/** An upstream MCP server the gateway routes `/mcp/<name>` to. Nothing secret is stored here. */
@Entity({ name: 'upstreams' })
export class UpstreamEntity extends VersionedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The route segment (`/mcp/<name>`) and the tool prefix (`<name>.<tool>`) policies match. */
  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  url: string;

  @Column({ name: 'credential_injection', type: 'jsonb' })
  credentialInjection: CredentialInjection;

  @Column({ name: 'connect_timeout_ms', type: 'integer' })
  connectTimeoutMs: number;

  @Column({ name: 'request_timeout_ms', type: 'integer' })
  requestTimeoutMs: number;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ type: 'text', default: '' })
  description: string;
}
