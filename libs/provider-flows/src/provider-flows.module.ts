import { type DynamicModule, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { Vault } from '@app/crypto';
import { JobProducer } from '@app/jobs';
import { ConnectionRepository, ProviderRepository } from '@app/persistence';
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
  static forRoot(options: { metadataResolver?: ProviderMetadataResolver } = {}): DynamicModule {
    const metadataResolver = options.metadataResolver ?? new ProviderMetadataResolver();
    const providers = [
      TokenEndpointClient,
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
        ) =>
          new PollDeviceAuthorizationUseCase(
            providers,
            connections,
            vault,
            client,
            store,
            changes,
            resolver,
          ),
        inject: [
          ProviderRepository,
          ConnectionRepository,
          Vault,
          TokenEndpointClient,
          DeviceAuthorizationStore,
          CredentialChangePublisher,
          ProviderMetadataResolver,
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
