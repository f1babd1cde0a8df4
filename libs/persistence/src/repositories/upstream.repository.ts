import type { DataSource } from 'typeorm';
import { type CredentialInjection, UpstreamEntity } from '../entities/upstream.entity';
import { NamedResourceRepository } from './named-resource.repository';

/** Upstream MCP servers; the audit trail keeps every field (none is secret). */
export class UpstreamRepository extends NamedResourceRepository<UpstreamEntity> {
  constructor(dataSource: DataSource) {
    super(dataSource, UpstreamEntity, 'upstream', (u) => ({
      id: u.id,
      name: u.name,
      url: u.url,
      credential_injection: orderedInjection(u.credentialInjection),
      connect_timeout_ms: u.connectTimeoutMs,
      request_timeout_ms: u.requestTimeoutMs,
      enabled: u.enabled,
      description: u.description,
    }));
  }
}

/**
 * The injection with its keys in one order: jsonb reorders keys, and the no-op check compares the
 * audit views as JSON text.
 */
export function orderedInjection(injection: CredentialInjection): CredentialInjection {
  return injection.type === 'header'
    ? { type: 'header', name: injection.name }
    : { type: injection.type };
}
