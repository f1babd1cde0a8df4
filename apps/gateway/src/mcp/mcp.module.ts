import { Module } from '@nestjs/common';
import { ApiKeyVerifier } from '../auth/api-key.verifier';
import { BearerTokenVerifier } from '../auth/bearer-token.verifier';
import { InboundAuthenticator } from '../auth/inbound-authenticator';
import { AuthWait } from '../completion/auth-wait';
import { CompletionListener } from '../completion/completion.listener';
import { PendingElicitationStore } from '../completion/pending-elicitation.store';
import { BrokerClient } from '../credentials/broker.client';
import { CredentialCache } from '../credentials/credential.cache';
import { ReactiveRefresh } from '../credentials/reactive-refresh';
import { ShutdownDrain } from '../http/shutdown-drain';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { PrincipalRateLimiter } from '../rate-limit/principal-rate-limiter';
import { SessionStreams } from '../sessions/session-streams';
import { SessionStore } from '../sessions/session.store';
import { GatewayCallTrail } from '../trail/gateway-call-trail';
import { UpstreamClient } from '../upstreams/upstream.client';
import { ProtectedResourceController } from '../well-known/protected-resource.controller';
import { ExchangeRunner } from './exchange-runner';
import { McpController } from './mcp.controller';
import { McpPipeline } from './mcp-pipeline';
import { ResponseRelay } from './response-relay';
import { AuthenticateStep } from './steps/authenticate.step';
import { BindSessionStep } from './steps/bind-session.step';
import { CheckAudienceStep } from './steps/check-audience.step';
import { CheckOriginStep } from './steps/check-origin.step';
import { CheckRateLimitStep } from './steps/check-rate-limit.step';
import { CheckScopesStep } from './steps/check-scopes.step';
import { DetectGenerationStep } from './steps/detect-generation.step';
import { ExtractCredentialStep } from './steps/extract-credential.step';
import { FindUpstreamStep } from './steps/find-upstream.step';
import { ForwardStep } from './steps/forward.step';
import { ObtainCredentialStep } from './steps/obtain-credential.step';
import { ParseMessageStep } from './steps/parse-message.step';
import { ResolvePolicyStep } from './steps/resolve-policy.step';
import { ToolParamHeaders } from './tool-param-headers';
import { ToolsListFilter } from './tools-list.filter';

/** The MCP data plane: RFC 9728 metadata, `/mcp/{upstream}` and everything its pipeline runs. */
@Module({
  // The aggregate (/mcp, aggregate/) runs the same steps, caches and clients.
  exports: [
    McpController,
    ExchangeRunner,
    ShutdownDrain,
    GatewayMetrics,
    PrincipalRateLimiter,
    UpstreamClient,
    ToolsListFilter,
    ToolParamHeaders,
    CheckOriginStep,
    ExtractCredentialStep,
    AuthenticateStep,
    CheckAudienceStep,
    ParseMessageStep,
    DetectGenerationStep,
    CheckScopesStep,
    ResolvePolicyStep,
    ObtainCredentialStep,
    ReactiveRefresh,
    GatewayCallTrail,
    SessionStreams,
  ],
  controllers: [ProtectedResourceController],
  providers: [
    McpController,
    ExchangeRunner,
    GatewayCallTrail,
    GatewayMetrics,
    PrincipalRateLimiter,
    BearerTokenVerifier,
    ApiKeyVerifier,
    InboundAuthenticator,
    BrokerClient,
    CredentialCache,
    ReactiveRefresh,
    SessionStore,
    ShutdownDrain,
    SessionStreams,
    PendingElicitationStore,
    CompletionListener,
    AuthWait,
    UpstreamClient,
    ToolsListFilter,
    ToolParamHeaders,
    ResponseRelay,
    CheckOriginStep,
    FindUpstreamStep,
    ExtractCredentialStep,
    AuthenticateStep,
    CheckAudienceStep,
    ParseMessageStep,
    DetectGenerationStep,
    CheckRateLimitStep,
    BindSessionStep,
    CheckScopesStep,
    ResolvePolicyStep,
    ObtainCredentialStep,
    ForwardStep,
    McpPipeline,
  ],
})
export class McpModule {}
