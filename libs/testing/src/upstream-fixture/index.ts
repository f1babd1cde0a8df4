export {
  startUpstreamFixture,
  type ReceivedRequest,
  type UpstreamFixture,
  type UpstreamFixtureOptions,
} from './upstream-fixture';
