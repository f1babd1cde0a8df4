import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { MetricsService, ObservabilityModule } from '@app/observability';
import { ValidateApiKeyUseCase } from '../api-keys/validate-api-key.usecase';
import { ConnectRequestStore } from '../connect/connect-requests.store';
import type { BrokerInfrastructure } from '../infrastructure/broker-infrastructure';
import { BrokerInfrastructureModule } from '../infrastructure/broker-infrastructure.module';
import { ManageConnectionsUseCase } from '../connections/manage-connections.usecase';
import { InternalApiKeysController } from './api-keys/internal-api-keys.controller';
import { InternalConnectionsController } from './connections/internal-connections.controller';
import { ConnectionCredentialUseCase } from './credentials/connection-credential.usecase';
import { InternalCredentialsController } from './credentials/internal-credentials.controller';
import { OnDemandRefresh } from './credentials/on-demand-refresh';
import { ResolveCredentialUseCase } from './credentials/resolve-credential.usecase';
import { ServiceAccountCredentialUseCase } from './credentials/service-account-credential.usecase';
import { InternalErrorFilter } from './http/internal-error.filter';
import { InternalTokenGuard } from './http/internal-token.guard';

/**
 * The broker's internal listener: the credential, connections and API-key verification API the
 * gateway calls (INTERNAL_API_TOKEN). Neither public nor the operators' admin listener.
 */
@Module({})
export class InternalModule {
  static forRoot(
    config: TokenBrokerConfig,
    logger: Logger,
    metrics: MetricsService,
    infrastructure: BrokerInfrastructure,
  ): DynamicModule {
    return {
      module: InternalModule,
      imports: [
        // Metrics of the whole process are served on the admin listener.
        ObservabilityModule.forRoot({
          app: 'token-broker-internal',
          logger,
          metrics,
          serveMetrics: false,
        }),
        BrokerInfrastructureModule.forRoot(infrastructure),
      ],
      controllers: [
        InternalCredentialsController,
        InternalConnectionsController,
        InternalApiKeysController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: InternalErrorFilter },
        InternalTokenGuard,
        ServiceAccountCredentialUseCase,
        ResolveCredentialUseCase,
        ConnectionCredentialUseCase,
        OnDemandRefresh,
        ManageConnectionsUseCase,
        ConnectRequestStore,
        ValidateApiKeyUseCase,
      ],
    };
  }
}
