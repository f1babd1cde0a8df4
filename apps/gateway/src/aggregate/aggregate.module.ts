import { Module } from '@nestjs/common';
import { McpModule } from '../mcp/mcp.module';
import { AggregateController } from './aggregate.controller';
import { AggregatePipeline } from './aggregate-pipeline';
import { AggregateSessionStore } from './aggregate-session.store';
import { LifecycleMethod } from './methods/lifecycle.method';
import { ListMethod } from './methods/list.method';
import { LoggingMethod } from './methods/logging.method';
import { RoutedMethod } from './methods/routed.method';
import { RouteTargets } from './methods/route-targets';
import { StandaloneStream } from './methods/standalone-stream';
import { RefreshingCaller } from './refreshing-caller';
import { RelayedRequests } from './relayed-requests';
import { RelayStream } from './relay-stream';
import { ResourceOwners } from './resource-owners';
import { BindAggregateSessionStep } from './steps/bind-aggregate-session.step';
import { RouteMethodStep } from './steps/route-method.step';
import { UpstreamAccess } from './upstream-access';
import { UpstreamCaller } from './upstream-caller';
import { UpstreamRpc } from './upstream-rpc';
import { UpstreamSkips } from './upstream-skips';

/** `/mcp`, the aggregated server: reuses the transparent route's steps, caches and clients. */
@Module({
  imports: [McpModule],
  exports: [AggregateController],
  providers: [
    AggregateController,
    AggregatePipeline,
    AggregateSessionStore,
    ResourceOwners,
    RelayedRequests,
    RelayStream,
    UpstreamRpc,
    UpstreamCaller,
    RefreshingCaller,
    UpstreamAccess,
    UpstreamSkips,
    LifecycleMethod,
    ListMethod,
    RouteTargets,
    RoutedMethod,
    LoggingMethod,
    StandaloneStream,
    BindAggregateSessionStep,
    RouteMethodStep,
  ],
})
export class AggregateModule {}
