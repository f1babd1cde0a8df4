export {
  createRedisClient,
  REDIS,
  REDIS_OPTIONS,
  RedisModule,
  type RedisModuleOptions,
} from './redis.module';
