export { aPolicy } from './policy.factory';
export {
  startUpstreamFixture,
  type ReceivedRequest,
  type UpstreamFixture,
  type UpstreamFixtureOptions,
} from './upstream-fixture';
export { within } from './within';
export {
  MockTokenEndpoint,
  type MockTokenEndpointOptions,
  type MockTokenStats,
} from './mock-token-endpoint';
