import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReadinessService } from '@app/observability';
import { buildDataSourceOptions } from './data-source.options';
import { PolicyRepository } from './repositories/policy.repository';

/** The app's TypeORM data source (connected at boot) and the repositories built on it. */
@Global()
@Module({})
export class PersistenceModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly readiness: ReadinessService,
  ) {}

  static forRoot(options: { databaseUrl: string; app: string; poolSize?: number }): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        {
          provide: DataSource,
          useFactory: async () =>
            new DataSource(
              buildDataSourceOptions(options.databaseUrl, {
                applicationName: options.app,
                poolSize: options.poolSize,
              }),
            ).initialize(),
        },
        {
          provide: PolicyRepository,
          useFactory: (ds: DataSource) => new PolicyRepository(ds),
          inject: [DataSource],
        },
      ],
      exports: [DataSource, PolicyRepository],
    };
  }

  onModuleInit(): void {
    this.readiness.register('postgres', async () => {
      await this.dataSource.query('SELECT 1');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) {
      await this.dataSource.destroy();
    }
  }
}
