import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { TokenBrokerConfig } from '@app/config';
import { KeyRing, parsePepper, Vault } from '@app/crypto';
import { JobProducer } from '@app/jobs';
import { type RefreshSettings, refreshSettings } from '@app/provider-flows';
import { buildDataSourceOptions, UpstreamRepository } from '@app/persistence';
import { ProviderMetadataResolver } from '@app/provider-flows';
import { createRedisClient, createSubscriber, type RedisModuleOptions } from '@app/redis';
import { UpstreamCache, upstreamChannel } from '@app/upstream-cache';

/**
 * Postgres connections of the whole broker process: one pool for its three listeners (before,
 * three pools of 5). The public listener (pages, the OAuth engine's records) and the internal
 * one (credential lookups on the gateway's cache misses) share it; the admin listener is for
 * operators and rarely busy. A query past 10 waits for a free connection rather than opening one,
 * which keeps the broker's share of Postgres's `max_connections` (100 by default) fixed beside
 * the gateway (2) and the workers (4) per replica.
 */
export const BROKER_POOL_SIZE = 10;

/**
 * The broker process's resources outside the process, opened once and handed to its three Nest
 * containers (public, admin, internal) through BrokerInfrastructureModule. The containers do not
 * close them: `close()` does, once, after every listener has stopped.
 *
 * The upstream cache is one per process too: the admin listener writes upstreams and the
 * authorization server (public listener) issues tokens only for registered ones, so an admin
 * change brought into this one cache before the admin answer holds for the next authorization.
 */
export class BrokerInfrastructure {
  private closing?: Promise<void>;

  private constructor(
    readonly dataSource: DataSource,
    readonly redis: Redis,
    readonly redisOptions: RedisModuleOptions & { app: string },
    readonly jobs: JobProducer,
    readonly vault: Vault,
    readonly apiKeyPepper: Buffer,
    readonly metadataResolver: ProviderMetadataResolver,
    readonly upstreams: UpstreamCache,
    private readonly upstreamSubscriber: Redis,
    /** The refresh lead and lease, shared with the workers (on-demand refresh, issue 10 §2). */
    readonly refresh: RefreshSettings,
  ) {}

  static async open(config: TokenBrokerConfig, logger: Logger): Promise<BrokerInfrastructure> {
    // Key material first: a bad VAULT_KEYS or pepper fails before anything is opened.
    const vault = new Vault(KeyRing.parse(config.VAULT_KEYS));
    const pepper = parsePepper(config.API_KEY_PEPPER);
    const dataSource = await new DataSource(
      buildDataSourceOptions(config.DATABASE_URL, {
        applicationName: 'token-broker',
        poolSize: BROKER_POOL_SIZE,
      }),
    ).initialize();
    const redisOptions = {
      url: config.REDIS_URL,
      keyPrefix: config.REDIS_KEY_PREFIX,
      app: 'token-broker',
    };
    let redis: Redis | undefined;
    let subscriber: Redis | undefined;
    try {
      redis = createRedisClient(config.REDIS_URL, redisOptions.app, logger);
      subscriber = createSubscriber(redis, logger, 'upstream-cache-subscriber');
      const upstreams = new UpstreamCache(new UpstreamRepository(dataSource), subscriber, {
        channel: upstreamChannel(config.REDIS_KEY_PREFIX),
        pollIntervalMs: config.UPSTREAM_POLL_INTERVAL_MS,
        logger,
      });
      // Never throws: a failed first load is logged and retried by the poll (readiness waits).
      await upstreams.start();
      return new BrokerInfrastructure(
        dataSource,
        redis,
        redisOptions,
        new JobProducer(config.REDIS_URL, config.REDIS_KEY_PREFIX, logger),
        vault,
        pepper,
        new ProviderMetadataResolver(),
        upstreams,
        subscriber,
        refreshSettings(config),
      );
    } catch (error) {
      // Nothing half-opened keeps the process alive.
      subscriber?.disconnect();
      redis?.disconnect();
      await dataSource.destroy().catch(() => undefined);
      throw error;
    }
  }

  /** Closes every resource once; later calls wait for the first. */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  /** Each resource is closed whatever happens to the others; the first failure is rethrown. */
  private async closeAll(): Promise<void> {
    // The cache stops first: a reload in flight must not meet a closed pool.
    await this.upstreams.stop();
    const results = await Promise.allSettled([
      this.jobs.close(),
      this.upstreamSubscriber.quit().catch(() => this.upstreamSubscriber.disconnect()),
      this.redis.quit().catch(() => this.redis.disconnect()),
      this.dataSource.isInitialized ? this.dataSource.destroy() : Promise.resolve(),
    ]);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) {
      throw failed.reason;
    }
  }
}
