export { UpstreamCacheModule } from './upstream-cache.module';
export { UpstreamChangePublisher } from './upstream-change.publisher';
export {
  UpstreamCache,
  upstreamChannel,
  type UpstreamCacheOptions,
  type UpstreamSetSource,
} from './upstream-cache';
export {
  toUpstreamView,
  type UpstreamCredentialInjection,
  type UpstreamView,
} from './upstream-view';
