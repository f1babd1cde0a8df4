import type { DataSource, EntityManager } from 'typeorm';
import { type CredentialInjection, UpstreamEntity } from '../entities/upstream.entity';
import { NamedResourceRepository } from './named-resource.repository';

/** The `resource_versions` row counting upstream changes (migration CountUpstreamChanges). */
const VERSION_ROW = 'upstream';

/**
 * Upstream MCP servers; the audit trail keeps every field (none is secret). The set has a version,
 * bumped in the transaction of every change, that the gateways' upstream caches follow.
 */
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

  /** The version of the last committed upstream change (0 before any). */
  async currentVersion(): Promise<number> {
    return versionIn(this.dataSource.manager);
  }

  /** Every upstream and the version they belong to, from one snapshot. */
  async loadSet(): Promise<{ version: number; upstreams: UpstreamEntity[] }> {
    return this.dataSource.transaction('REPEATABLE READ', async (m) => ({
      version: await versionIn(m),
      upstreams: await m.getRepository(UpstreamEntity).find({ order: { name: 'ASC' } }),
    }));
  }

  protected override async changed(m: EntityManager): Promise<void> {
    // The row lock also orders concurrent writers: versions follow commit order.
    await m.query('UPDATE resource_versions SET version = version + 1 WHERE resource = $1', [
      VERSION_ROW,
    ]);
  }
}

async function versionIn(m: EntityManager): Promise<number> {
  const rows: { version: string }[] = await m.query(
    'SELECT version FROM resource_versions WHERE resource = $1',
    [VERSION_ROW],
  );
  return Number(rows[0]?.version ?? 0);
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
