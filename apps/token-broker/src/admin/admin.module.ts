import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { MetricsService, ObservabilityModule } from '@app/observability';
import { PolicyCacheModule } from '@app/policy-cache';
import type { BrokerInfrastructure } from '../infrastructure/broker-infrastructure';
import { BrokerInfrastructureModule } from '../infrastructure/broker-infrastructure.module';
import { AuditController } from './audit/audit.controller';
import { CallTrailController } from './audit/call-trail.controller';
import { AdminTokenGuard } from './http/admin-token.guard';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { FailedJobsController } from './jobs/failed-jobs.controller';
import { FailedJobsService } from './jobs/failed-jobs.service';
import { PoliciesController } from './policies/policies.controller';
import { PolicyAdminService } from './policies/policy-admin.service';
import { PolicyRevisionsController } from './policies/policy-revisions.controller';
import { ApiKeyAdminService } from './resources/api-keys/api-key-admin.service';
import { ApiKeysController } from './resources/api-keys/api-keys.controller';
import { ProviderAdminService } from './resources/providers/provider-admin.service';
import { ProvidersController } from './resources/providers/providers.controller';
import { ServiceAccountAdminService } from './resources/service-accounts/service-account-admin.service';
import { ServiceAccountsController } from './resources/service-accounts/service-accounts.controller';
import { UpstreamAdminService } from './resources/upstreams/upstream-admin.service';
import { UpstreamsController } from './resources/upstreams/upstreams.controller';

/**
 * The operators' listener: the admin REST API (policies, revisions, audit, providers, API keys,
 * service accounts, upstreams) and the process's metrics. The gateway's internal API has its own
 * listener.
 */
@Module({})
export class AdminModule {
  static forRoot(
    config: TokenBrokerConfig,
    logger: Logger,
    metrics: MetricsService,
    infrastructure: BrokerInfrastructure,
  ): DynamicModule {
    return {
      module: AdminModule,
      imports: [
        ObservabilityModule.forRoot({ app: 'token-broker-admin', logger, metrics }),
        BrokerInfrastructureModule.forRoot(infrastructure),
        PolicyCacheModule.forRoot({
          pollIntervalMs: config.POLICY_POLL_INTERVAL_MS,
          defaultDecision: config.POLICY_DEFAULT,
        }),
      ],
      controllers: [
        PolicyRevisionsController,
        PoliciesController,
        CallTrailController,
        AuditController,
        ProvidersController,
        ApiKeysController,
        ServiceAccountsController,
        UpstreamsController,
        FailedJobsController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        AdminTokenGuard,
        PolicyAdminService,
        ProviderAdminService,
        ApiKeyAdminService,
        ServiceAccountAdminService,
        UpstreamAdminService,
        FailedJobsService,
      ],
    };
  }
}
