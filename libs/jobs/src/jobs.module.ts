import { type DynamicModule, Global, Module, type OnApplicationShutdown } from '@nestjs/common';
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
          useFactory: () => new JobProducer(options.redisUrl, options.keyPrefix),
        },
      ],
      exports: [JobProducer],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.close();
  }
}
