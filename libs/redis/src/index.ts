export {
  createRedisClient,
  createSubscriber,
  REDIS,
  REDIS_OPTIONS,
  RedisModule,
  type RedisModuleOptions,
} from './redis.module';
export {
  SingleUseStore,
  type SingleUseCodec,
  type SingleUseStoreOptions,
} from './single-use.store';
export { logRedisErrors } from './redis-error-log';
export { RedisUnavailableError } from './redis-unavailable.error';
export { VersionAnnouncer } from './version-announcer';
export {
  VersionFollower,
  type VersionedSource,
  type VersionFollowerLogger,
  type VersionFollowerOptions,
} from './version-follower';
export { CredentialChangePublisher } from './credential-change.publisher';
