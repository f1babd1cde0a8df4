export { buildDataSourceOptions, ENTITIES, MIGRATIONS } from './data-source.options';
export { AuditEventEntity } from './entities/audit-event.entity';
export { PolicyEntity } from './entities/policy.entity';
export { PolicyRevisionEntity } from './entities/policy-revision.entity';
export { PolicyStoreError, type PolicyStoreErrorCode } from './errors/policy-store.error';
export {
  diffPolicySets,
  isEmptyDiff,
  type PolicyChange,
  type PolicySetDiff,
} from './policy-set.diff';
export {
  PolicyRepository,
  toPolicy,
  type ChangeContext,
  type StoredPolicy,
  type WriteResult,
} from './repositories/policy.repository';
export { PersistenceModule } from './persistence.module';
export { ApiKeyEntity } from './entities/api-key.entity';
export { ProviderEntity } from './entities/provider.entity';
export { ServiceAccountEntity } from './entities/service-account.entity';
export { StoreError, type StoreErrorCode } from './errors/store.error';
export {
  ApiKeyRepository,
  ProviderRepository,
  ServiceAccountRepository,
} from './repositories/credential.repositories';
export { NamedResourceRepository } from './repositories/named-resource.repository';
export { type CredentialInjection, UpstreamEntity } from './entities/upstream.entity';
export { orderedInjection, UpstreamRepository } from './repositories/upstream.repository';
export { AuditRepository } from './repositories/audit.repository';
export type { AuditDraft } from './repositories/audit.writer';
export { SigningKeyEntity, type SigningKeyState } from './entities/signing-key.entity';
export { ConnectionEntity, type ConnectionStatus } from './entities/connection.entity';
export { ConnectionRepository, type ConnectionTokens } from './repositories/connection.repository';
export {
  ConnectionRefreshRepository,
  type RefreshableConnection,
  type RefreshedTokens,
  type RefreshLease,
} from './repositories/connection-refresh.repository';
export {
  ConnectionStatsRepository,
  type ProviderConnectionStats,
} from './repositories/connection-stats.repository';
export {
  ConsentRepository,
  OAuthRecordRepository,
  UserRepository,
  type OAuthRecordRow,
  type RotationLink,
  type UserRecord,
} from './repositories/authorization-server.repositories';
export { CallTrailEntity } from './entities/call-trail.entity';
export {
  CALL_TRAIL_ROWS_PER_INSERT,
  CallTrailRepository,
  type CallTrailCursor,
  type CallTrailFilters,
  type CallTrailPage,
  type CallTrailRecord,
  type StoredCallTrailRecord,
} from './repositories/call-trail.repository';
