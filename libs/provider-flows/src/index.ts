export { OAuthClientError, type OAuthClientErrorCode } from './oauth-client.error';
export {
  effectiveEndpoints,
  ENDPOINT_NAMES,
  presetEndpoints,
  PROVIDER_KINDS,
  type ProviderEndpoints,
  type ProviderKind,
} from './provider-endpoints';
export {
  expiresIn,
  positiveSeconds,
  TokenEndpointClient,
  type ClientAuth,
  type TokenResponse,
} from './token-endpoint.client';
export {
  DeviceAuthorizationStore,
  type PendingDeviceAuthorization,
} from './device-authorization.store';
export {
  PollDeviceAuthorizationUseCase,
  type DevicePollOutcome,
} from './poll-device-authorization.usecase';
export { providerClient, resolveProviderClient, type ProviderClient } from './provider-client';
export { ProviderMetadataResolver } from './provider-metadata.resolver';
export {
  assertFetchable,
  createGuardedDispatcher,
  guardedRequest,
  isForbiddenAddress,
} from './ssrf-guard';
export {
  StartDeviceAuthorizationUseCase,
  type DeviceAuthorizationRemedy,
} from './start-device-authorization.usecase';
export { ProviderFlowsModule } from './provider-flows.module';
export {
  AuthorizationCodeFlow,
  CODE_FLOW_TTL_SECONDS,
  type CodeAuthorizationResult,
  type CodeAuthorizationStart,
} from './authorization-code.flow';
export { parseScopes, storeConnection } from './connection-writer';
export {
  failureKind,
  RefreshConnectionUseCase,
  type RefreshOutcome,
  type RefreshRequest,
} from './refresh-connection.usecase';
export { RefreshAttemptsCounter, type RefreshSource } from './refresh-attempts.counter';
export {
  refreshAttempt,
  refreshReason,
  type RefreshAttempt,
  type RefreshAttemptOutcome,
} from './refresh-reason';
export {
  jitteredRunAt,
  refreshSettings,
  refreshWindow,
  type RefreshSettings,
  type RefreshTiming,
  type RefreshWindow,
} from './refresh-schedule';
export { RefreshScheduler } from './refresh-scheduler';
