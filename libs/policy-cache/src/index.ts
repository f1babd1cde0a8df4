export { PolicyCacheModule } from './policy-cache.module';
export { PolicyChangePublisher } from './policy-change.publisher';
export {
  PolicyCache,
  policyChannel,
  type PolicyCacheLogger,
  type PolicyCacheOptions,
  type PolicySetSource,
} from './policy-cache';
