import { type DynamicModule, Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import { JobProducer } from './job.producer';

/** The app's job producer (one BullMQ connection), closed on shutdown. */
@Global()
@Module({})
export class JobsModule implements OnApplicationShutdown {
  constructor(private readonly producer: JobProducer) {}

  static forRoot(options: { redisUrl: string; keyPrefix: string }): DynamicModule {
    return {
      module: JobsModule,
      providers: [
        {
          provide: JobProducer,
          useFactory: (logger: Logger) =>
            new JobProducer(options.redisUrl, options.keyPrefix, logger),
          inject: [LOGGER],
        },
      ],
      exports: [JobProducer],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.close();
  }
}
