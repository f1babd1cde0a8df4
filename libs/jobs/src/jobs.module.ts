import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@app/observability';
import { JobProducer } from './job.producer';

/** Whether this module created its producer (and so closes it) or was handed one. */
const OWNS_PRODUCER = Symbol('JOBS_OWNS_PRODUCER');

/** The app's job producer (one BullMQ connection), closed on shutdown. */
@Global()
@Module({})
export class JobsModule implements OnApplicationShutdown {
  constructor(
    private readonly producer: JobProducer,
    @Inject(OWNS_PRODUCER) private readonly ownsProducer: boolean,
  ) {}

  static forRoot(options: { redisUrl: string; keyPrefix: string }): DynamicModule {
    return {
      module: JobsModule,
      providers: [
        { provide: OWNS_PRODUCER, useValue: true },
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

  /** A producer created (and closed) by the caller, shared by several containers of one process. */
  static forProducer(producer: JobProducer): DynamicModule {
    return {
      module: JobsModule,
      providers: [
        { provide: OWNS_PRODUCER, useValue: false },
        { provide: JobProducer, useFactory: () => producer },
      ],
      exports: [JobProducer],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsProducer) {
      await this.producer.close();
    }
  }
}
