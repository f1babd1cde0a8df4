import {
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { LOGGER, ReadinessService } from '@app/observability';
import { UpstreamRepository } from '@app/persistence';
import { createSubscriber, REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';
import { UpstreamCache, upstreamChannel } from './upstream-cache';
import { UpstreamChangePublisher } from './upstream-change.publisher';

/** The subscriber connection this module opened, or null when the cache is the caller's. */
const OWNED_SUBSCRIBER = Symbol('UPSTREAM_CACHE_SUBSCRIBER');

const PUBLISHER = {
  provide: UpstreamChangePublisher,
  useFactory: (redis: Redis, redisOptions: RedisModuleOptions) =>
    new UpstreamChangePublisher(redis, upstreamChannel(redisOptions.keyPrefix)),
  inject: [REDIS, REDIS_OPTIONS],
};

/**
 * The app's upstream cache (ready once a set is loaded) and change publisher. Expects the
 * global RedisModule, PersistenceModule and ObservabilityModule.
 */
@Module({})
export class UpstreamCacheModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly cache: UpstreamCache,
    private readonly readiness: ReadinessService,
    @Inject(OWNED_SUBSCRIBER) private readonly subscriber: Redis | null,
  ) {}

  /** A cache of this app's own: started at boot, stopped at shutdown (the gateway). */
  static forRoot(options: { pollIntervalMs: number }): DynamicModule {
    return {
      module: UpstreamCacheModule,
      providers: [
        {
          provide: OWNED_SUBSCRIBER,
          useFactory: (redis: Redis, logger: Logger) =>
            createSubscriber(redis, logger, 'upstream-cache-subscriber'),
          inject: [REDIS, LOGGER],
        },
        {
          provide: UpstreamCache,
          useFactory: (
            repository: UpstreamRepository,
            subscriber: Redis,
            redisOptions: RedisModuleOptions,
            logger: Logger,
          ) =>
            new UpstreamCache(repository, subscriber, {
              channel: upstreamChannel(redisOptions.keyPrefix),
              pollIntervalMs: options.pollIntervalMs,
              logger,
            }),
          inject: [UpstreamRepository, OWNED_SUBSCRIBER, REDIS_OPTIONS, LOGGER],
        },
        PUBLISHER,
      ],
      exports: [UpstreamCache, UpstreamChangePublisher],
    };
  }

  /**
   * A cache started and stopped by the caller, shared by several Nest containers of one process
   * (the broker's listeners: an admin change is seen by the authorization server at once).
   */
  static forCache(cache: UpstreamCache): DynamicModule {
    return {
      module: UpstreamCacheModule,
      providers: [
        { provide: OWNED_SUBSCRIBER, useValue: null },
        // A factory, not `useValue`: Nest hashes a dynamic module's metadata, values included.
        { provide: UpstreamCache, useFactory: () => cache },
        PUBLISHER,
      ],
      exports: [UpstreamCache, UpstreamChangePublisher],
    };
  }

  async onModuleInit(): Promise<void> {
    this.readiness.register('upstreams', async () => {
      if (!this.cache.loaded) {
        throw new Error('no upstream set loaded yet');
      }
    });
    if (this.subscriber !== null) {
      await this.cache.start();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscriber !== null) {
      await this.cache.stop();
      await this.subscriber.quit().catch(() => this.subscriber?.disconnect());
    }
  }
}
