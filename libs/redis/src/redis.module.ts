import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import { LOGGER, ReadinessService } from '@app/observability';
import { CredentialChangePublisher } from './credential-change.publisher';
import { logRedisErrors } from './redis-error-log';

export const REDIS = Symbol('REDIS');
export const REDIS_OPTIONS = Symbol('REDIS_OPTIONS');
/** Whether this module created its client (and so closes it) or was handed one. */
const OWNS_CLIENT = Symbol('REDIS_OWNS_CLIENT');

export interface RedisModuleOptions {
  url: string;
  keyPrefix: string;
}

/**
 * Builds an ioredis client. Commands fail fast while Redis is down (no unbounded offline queue on
 * request paths); the client keeps reconnecting in the background.
 */
export function createRedisClient(url: string, name: string, logger: Logger): Redis {
  const client = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    // A Redis that accepts connections but stops answering must not hang a request forever.
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  logRedisErrors(client, logger, name);
  return client;
}

/**
 * A subscriber connection beside `client` (a connection in subscriber mode runs no other
 * commands), named and logging its errors like every client (a duplicate does not inherit the
 * original's listeners).
 */
export function createSubscriber(client: Redis, logger: Logger, name: string): Redis {
  const subscriber = client.duplicate({ connectionName: name, enableReadyCheck: false });
  logRedisErrors(subscriber, logger, name);
  return subscriber;
}

/** Announcements every app may make on the shared connection. */
const PUBLISHERS = (keyPrefix: string) => [
  {
    provide: CredentialChangePublisher,
    useFactory: (redis: Redis, logger: Logger) =>
      new CredentialChangePublisher(redis, keyPrefix, logger),
    inject: [REDIS, LOGGER],
  },
];

/**
 * One shared command connection per app (subscribers take their own via `duplicate()`), and the
 * publishers that use it.
 */
@Global()
@Module({})
export class RedisModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly readiness: ReadinessService,
    @Inject(OWNS_CLIENT) private readonly ownsClient: boolean,
  ) {}

  onModuleInit(): void {
    this.readiness.register('redis', async () => {
      await this.redis.ping();
    });
  }

  static forRoot(options: RedisModuleOptions & { app: string }): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        { provide: REDIS_OPTIONS, useValue: options },
        { provide: OWNS_CLIENT, useValue: true },
        {
          provide: REDIS,
          useFactory: (logger: Logger) => createRedisClient(options.url, options.app, logger),
          inject: [LOGGER],
        },
        ...PUBLISHERS(options.keyPrefix),
      ],
      exports: [REDIS, REDIS_OPTIONS, CredentialChangePublisher],
    };
  }

  /**
   * A client created (and closed) by the caller: several Nest containers of one process sharing
   * one connection.
   */
  static forClient(client: Redis, options: RedisModuleOptions & { app: string }): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        { provide: REDIS_OPTIONS, useValue: options },
        { provide: OWNS_CLIENT, useValue: false },
        // A factory, not `useValue`: Nest hashes a dynamic module's metadata, values included.
        { provide: REDIS, useFactory: () => client },
        ...PUBLISHERS(options.keyPrefix),
      ],
      exports: [REDIS, REDIS_OPTIONS, CredentialChangePublisher],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsClient) {
      await this.redis.quit().catch(() => this.redis.disconnect());
    }
  }
}
