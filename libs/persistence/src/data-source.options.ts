import type { DataSourceOptions } from 'typeorm';
import { ApiKeyEntity } from './entities/api-key.entity';
import { CallTrailEntity } from './entities/call-trail.entity';
import { ConnectionEntity } from './entities/connection.entity';
import { AuditEventEntity } from './entities/audit-event.entity';
import { PolicyRevisionEntity } from './entities/policy-revision.entity';
import { PolicyEntity } from './entities/policy.entity';
import { ProviderEntity } from './entities/provider.entity';
import { ServiceAccountEntity } from './entities/service-account.entity';
import { SigningKeyEntity } from './entities/signing-key.entity';
import { UpstreamEntity } from './entities/upstream.entity';
import { CreatePolicyTables1764300000000 } from './migrations/1764300000000-CreatePolicyTables';
import { CreateCredentialTables1764400000000 } from './migrations/1764400000000-CreateCredentialTables';
import { CreateSigningKeys1764500000000 } from './migrations/1764500000000-CreateSigningKeys';
import { CreateConnections1764600000000 } from './migrations/1764600000000-CreateConnections';
import { CreateAuthorizationServerTables1764700000000 } from './migrations/1764700000000-CreateAuthorizationServerTables';
import { BindConsentsToResource1764830000000 } from './migrations/1764830000000-BindConsentsToResource';
import { ExpireUnusedClients1764900000000 } from './migrations/1764900000000-ExpireUnusedClients';
import { RefreshTokenReuseWindow1764910000000 } from './migrations/1764910000000-RefreshTokenReuseWindow';
import { CreateUpstreams1764930000000 } from './migrations/1764930000000-CreateUpstreams';
import { CountUpstreamChanges1764940000000 } from './migrations/1764940000000-CountUpstreamChanges';
import { CreateCallTrail1764950000000 } from './migrations/1764950000000-CreateCallTrail';
import { ConnectionRefreshState1764960000000 } from './migrations/1764960000000-ConnectionRefreshState';

export const ENTITIES = [
  PolicyEntity,
  PolicyRevisionEntity,
  AuditEventEntity,
  ProviderEntity,
  ApiKeyEntity,
  ServiceAccountEntity,
  SigningKeyEntity,
  ConnectionEntity,
  UpstreamEntity,
  CallTrailEntity,
];
export const MIGRATIONS = [
  CreatePolicyTables1764300000000,
  CreateCredentialTables1764400000000,
  CreateSigningKeys1764500000000,
  CreateConnections1764600000000,
  CreateAuthorizationServerTables1764700000000,
  BindConsentsToResource1764830000000,
  ExpireUnusedClients1764900000000,
  RefreshTokenReuseWindow1764910000000,
  CreateUpstreams1764930000000,
  CountUpstreamChanges1764940000000,
  CreateCallTrail1764950000000,
  ConnectionRefreshState1764960000000,
];

/** The one data-source definition shared by the apps, the migrate CLI and the tests. */
export function buildDataSourceOptions(
  databaseUrl: string,
  overrides: { poolSize?: number; applicationName?: string } = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: overrides.poolSize ?? 10,
    applicationName: overrides.applicationName ?? 'mcp-auth-gateway',
    // Fail fast instead of hanging when the database is unreachable; readiness reports it.
    connectTimeoutMS: 5000,
    extra: { connectionTimeoutMillis: 5000, query_timeout: 30_000 },
  };
}
