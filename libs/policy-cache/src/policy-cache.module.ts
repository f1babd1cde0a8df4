import {
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Decision } from '@app/policy-engine';
import { LOGGER, ReadinessService } from '@app/observability';
import { PolicyRepository } from '@app/persistence';
import { createSubscriber, REDIS, REDIS_OPTIONS, type RedisModuleOptions } from '@app/redis';
import { PolicyChangePublisher } from './policy-change.publisher';
import { PolicyCache, policyChannel } from './policy-cache';

const SUBSCRIBER = Symbol('POLICY_CACHE_SUBSCRIBER');

/** The app's policy cache (started at boot, ready once a set is loaded) and change publisher. */
@Module({})
export class PolicyCacheModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly cache: PolicyCache,
    private readonly readiness: ReadinessService,
    @Inject(SUBSCRIBER) private readonly subscriber: Redis,
  ) {}

  static forRoot(options: { pollIntervalMs: number; defaultDecision: Decision }): DynamicModule {
    return {
      module: PolicyCacheModule,
      providers: [
        {
          provide: SUBSCRIBER,
          useFactory: (redis: Redis, logger: Logger) =>
            createSubscriber(redis, logger, 'policy-cache-subscriber'),
          inject: [REDIS, LOGGER],
        },
        {
          provide: PolicyCache,
          useFactory: (
            repo: PolicyRepository,
            subscriber: Redis,
            redisOptions: RedisModuleOptions,
            logger: Logger,
          ) =>
            new PolicyCache(repo, subscriber, {
              channel: policyChannel(redisOptions.keyPrefix),
              pollIntervalMs: options.pollIntervalMs,
              defaultDecision: options.defaultDecision,
              logger,
            }),
          inject: [PolicyRepository, SUBSCRIBER, REDIS_OPTIONS, LOGGER],
        },
        {
          provide: PolicyChangePublisher,
          useFactory: (redis: Redis, redisOptions: RedisModuleOptions) =>
            new PolicyChangePublisher(redis, policyChannel(redisOptions.keyPrefix)),
          inject: [REDIS, REDIS_OPTIONS],
        },
      ],
      exports: [PolicyCache, PolicyChangePublisher],
    };
  }

  async onModuleInit(): Promise<void> {
    this.readiness.register('policy_set', async () => {
      if (!this.cache.loaded) {
        throw new Error('no policy set loaded yet');
      }
    });
    await this.cache.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cache.stop();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
