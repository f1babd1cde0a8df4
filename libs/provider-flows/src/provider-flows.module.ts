import { type DynamicModule, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { Vault } from '@app/crypto';
import { JobProducer } from '@app/jobs';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import {
  ConnectionRefreshRepository,
  ConnectionRepository,
  ProviderRepository,
} from '@app/persistence';
import {
  CredentialChangePublisher,
  REDIS,
  REDIS_OPTIONS,
  type RedisModuleOptions,
} from '@app/redis';
import { AuthorizationCodeFlow } from './authorization-code.flow';
import { DeviceAuthorizationStore } from './device-authorization.store';
import { PollDeviceAuthorizationUseCase } from './poll-device-authorization.usecase';
import { ProviderMetadataResolver } from './provider-metadata.resolver';
import { RefreshConnectionUseCase } from './refresh-connection.usecase';
import type { RefreshSettings } from './refresh-schedule';
import { RefreshScheduler } from './refresh-scheduler';
import { StartDeviceAuthorizationUseCase } from './start-device-authorization.usecase';
import { TokenEndpointClient } from './token-endpoint.client';

/**
 * The provider flows wired once for any app: expects the global Vault, repositories, Redis
 * client, credential change publisher and job producer (VaultModule, PersistenceModule,
 * RedisModule, JobsModule).
 */
@Module({})
export class ProviderFlowsModule {
  /** `metadataResolver`: one resolver (and its metadata cache) shared by several containers. */
  static forRoot(options: {
    /** REFRESH_THRESHOLD_S, REFRESH_KEEPALIVE_HOURS and REFRESH_LEASE_MS (refreshSettings). */
    refresh: RefreshSettings;
    metadataResolver?: ProviderMetadataResolver;
  }): DynamicModule {
    const metadataResolver = options.metadataResolver ?? new ProviderMetadataResolver();
    const { leaseMs, ...timing } = options.refresh;
    const providers = [
      TokenEndpointClient,
      {
        provide: RefreshScheduler,
        useFactory: (jobs: JobProducer, logger: Logger) =>
          new RefreshScheduler(jobs, timing, logger),
        inject: [JobProducer, LOGGER],
      },
      {
        provide: RefreshConnectionUseCase,
        useFactory: (
          refreshes: ConnectionRefreshRepository,
          providerRepository: ProviderRepository,
          vault: Vault,
          client: TokenEndpointClient,
          scheduler: RefreshScheduler,
          changes: CredentialChangePublisher,
          logger: Logger,
          resolver: ProviderMetadataResolver,
        ) =>
          new RefreshConnectionUseCase(
            refreshes,
            providerRepository,
            vault,
            client,
            scheduler,
            changes,
            leaseMs,
            logger,
            resolver,
          ),
        inject: [
          ConnectionRefreshRepository,
          ProviderRepository,
          Vault,
          TokenEndpointClient,
          RefreshScheduler,
          CredentialChangePublisher,
          LOGGER,
          ProviderMetadataResolver,
        ],
      },
      {
        provide: AuthorizationCodeFlow,
        useFactory: (
          redis: Redis,
          options: RedisModuleOptions,
          providerRepository: ProviderRepository,
          connections: ConnectionRepository,
          vault: Vault,
          client: TokenEndpointClient,
          changes: CredentialChangePublisher,
          resolver: ProviderMetadataResolver,
          scheduler: RefreshScheduler,
        ) =>
          new AuthorizationCodeFlow(
            redis,
            options.keyPrefix,
            providerRepository,
            connections,
            vault,
            client,
            changes,
            resolver,
            scheduler,
          ),
        inject: [
          REDIS,
          REDIS_OPTIONS,
          ProviderRepository,
          ConnectionRepository,
          Vault,
          TokenEndpointClient,
          CredentialChangePublisher,
          ProviderMetadataResolver,
          RefreshScheduler,
        ],
      },
      // A factory, not `useValue`: Nest hashes a dynamic module's metadata, values included.
      { provide: ProviderMetadataResolver, useFactory: () => metadataResolver },
      {
        provide: DeviceAuthorizationStore,
        useFactory: (redis: Redis, options: RedisModuleOptions) =>
          new DeviceAuthorizationStore(redis, options.keyPrefix),
        inject: [REDIS, REDIS_OPTIONS],
      },
      {
        provide: StartDeviceAuthorizationUseCase,
        useFactory: (
          providers: ProviderRepository,
          vault: Vault,
          client: TokenEndpointClient,
          store: DeviceAuthorizationStore,
          jobs: JobProducer,
          resolver: ProviderMetadataResolver,
        ) => new StartDeviceAuthorizationUseCase(providers, vault, client, store, jobs, resolver),
        inject: [
          ProviderRepository,
          Vault,
          TokenEndpointClient,
          DeviceAuthorizationStore,
          JobProducer,
          ProviderMetadataResolver,
        ],
      },
      {
        provide: PollDeviceAuthorizationUseCase,
        useFactory: (
          providers: ProviderRepository,
          connections: ConnectionRepository,
          vault: Vault,
          client: TokenEndpointClient,
          store: DeviceAuthorizationStore,
          changes: CredentialChangePublisher,
          resolver: ProviderMetadataResolver,
          scheduler: RefreshScheduler,
        ) =>
          new PollDeviceAuthorizationUseCase(
            providers,
            connections,
            vault,
            client,
            store,
            changes,
            resolver,
            scheduler,
          ),
        inject: [
          ProviderRepository,
          ConnectionRepository,
          Vault,
          TokenEndpointClient,
          DeviceAuthorizationStore,
          CredentialChangePublisher,
          ProviderMetadataResolver,
          RefreshScheduler,
        ],
      },
    ];
    return {
      module: ProviderFlowsModule,
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}
