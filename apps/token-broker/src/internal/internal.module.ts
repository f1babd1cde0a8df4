import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';
import { APP_CONFIG, type TokenBrokerConfig } from '@app/config';
import { JobsModule } from '@app/jobs';
import { MetricsService, ObservabilityModule } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { ProviderFlowsModule } from '@app/provider-flows';
import { RedisModule } from '@app/redis';
import { VaultModule } from '@app/vault';
import { ConnectRequestStore } from '../connect/connect-requests.store';
import { ManageConnectionsUseCase } from '../connections/manage-connections.usecase';
import { InternalConnectionsController } from './connections/internal-connections.controller';
import { ConnectionCredentialUseCase } from './credentials/connection-credential.usecase';
import { InternalCredentialsController } from './credentials/internal-credentials.controller';
import { ResolveCredentialUseCase } from './credentials/resolve-credential.usecase';
import { ServiceAccountCredentialUseCase } from './credentials/service-account-credential.usecase';
import { InternalErrorFilter } from './http/internal-error.filter';
import { InternalTokenGuard } from './http/internal-token.guard';

/**
 * The broker's internal listener: the credential and connections API the gateway calls
 * (INTERNAL_API_TOKEN). Neither public nor the operators' admin listener.
 */
@Module({})
export class InternalModule {
  static forRoot(
    config: TokenBrokerConfig,
    logger: Logger,
    metrics: MetricsService,
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
        RedisModule.forRoot({
          url: config.REDIS_URL,
          keyPrefix: config.REDIS_KEY_PREFIX,
          app: 'token-broker-internal',
        }),
        PersistenceModule.forRoot({
          databaseUrl: config.DATABASE_URL,
          app: 'token-broker-internal',
          poolSize: 5,
        }),
        VaultModule.forRoot({ vaultKeys: config.VAULT_KEYS, apiKeyPepper: config.API_KEY_PEPPER }),
        JobsModule.forRoot({ redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX }),
        ProviderFlowsModule.forRoot(),
      ],
      controllers: [InternalCredentialsController, InternalConnectionsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: InternalErrorFilter },
        InternalTokenGuard,
        ServiceAccountCredentialUseCase,
        ResolveCredentialUseCase,
        ConnectionCredentialUseCase,
        ManageConnectionsUseCase,
        ConnectRequestStore,
      ],
    };
  }
}
