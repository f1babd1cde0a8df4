import { type DynamicModule, Module } from '@nestjs/common';
import { JobsModule } from '@app/jobs';
import { PersistenceModule } from '@app/persistence';
import { ProviderFlowsModule } from '@app/provider-flows';
import { RedisModule } from '@app/redis';
import { UpstreamCacheModule } from '@app/upstream-cache';
import { VaultModule } from '@app/vault';
import type { BrokerInfrastructure } from './broker-infrastructure';

/**
 * What each of the broker's Nest containers imports to reach the process's one infrastructure:
 * the same data source (repositories on it), Redis client, job producer, vault, provider
 * metadata cache and upstream cache. Each container registers its own readiness checks on them; none closes them
 * (BrokerInfrastructure.close does, after all listeners stop).
 */
@Module({})
export class BrokerInfrastructureModule {
  static forRoot(infrastructure: BrokerInfrastructure): DynamicModule {
    const modules = [
      RedisModule.forClient(infrastructure.redis, infrastructure.redisOptions),
      PersistenceModule.forDataSource(infrastructure.dataSource),
      VaultModule.forVault(infrastructure.vault, infrastructure.apiKeyPepper),
      JobsModule.forProducer(infrastructure.jobs),
      ProviderFlowsModule.forRoot({
        refresh: infrastructure.refresh,
        metadataResolver: infrastructure.metadataResolver,
      }),
      UpstreamCacheModule.forCache(infrastructure.upstreams),
    ];
    return { module: BrokerInfrastructureModule, imports: modules, exports: modules };
  }
}
