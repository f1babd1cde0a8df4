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
import { AuditRepository } from './repositories/audit.repository';
import {
  ConsentRepository,
  OAuthRecordRepository,
  UserRepository,
} from './repositories/authorization-server.repositories';
import { ConnectionRepository } from './repositories/connection.repository';
import { ConnectionRefreshRepository } from './repositories/connection-refresh.repository';
import { ConnectionStatsRepository } from './repositories/connection-stats.repository';
import {
  ApiKeyRepository,
  ProviderRepository,
  ServiceAccountRepository,
} from './repositories/credential.repositories';
import { CallTrailRepository } from './repositories/call-trail.repository';
import { PolicyRepository } from './repositories/policy.repository';
import { UpstreamRepository } from './repositories/upstream.repository';

const REPOSITORIES = [
  PolicyRepository,
  AuditRepository,
  ProviderRepository,
  ApiKeyRepository,
  ServiceAccountRepository,
  ConnectionRepository,
  ConnectionRefreshRepository,
  ConnectionStatsRepository,
  UserRepository,
  ConsentRepository,
  OAuthRecordRepository,
  UpstreamRepository,
  CallTrailRepository,
];

const PERSISTENCE_OPTIONS = Symbol('PERSISTENCE_OPTIONS');
/** Whether this module opened its data source (and so closes it) or was handed one. */
const OWNS_DATA_SOURCE = Symbol('OWNS_DATA_SOURCE');

export interface PersistenceOptions {
  databaseUrl: string;
  app: string;
  poolSize?: number;
  /**
   * `not-required`: a Postgres outage does not make the app unready (the gateway, which only reads
   * policies and keeps serving its last good set meanwhile).
   */
  readiness?: 'required' | 'not-required';
}

/** The app's TypeORM data source (connected at boot) and the repositories built on it. */
@Global()
@Module({})
export class PersistenceModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly readiness: ReadinessService,
    @Inject(PERSISTENCE_OPTIONS) private readonly options: Pick<PersistenceOptions, 'readiness'>,
    @Inject(OWNS_DATA_SOURCE) private readonly ownsDataSource: boolean,
  ) {}

  static forRoot(options: PersistenceOptions): DynamicModule {
    return PersistenceModule.build(options, true, async () =>
      new DataSource(
        buildDataSourceOptions(options.databaseUrl, {
          applicationName: options.app,
          poolSize: options.poolSize,
        }),
      ).initialize(),
    );
  }

  /**
   * The repositories on a data source opened (and closed) by the caller: several Nest containers
   * of one process sharing one pool.
   */
  static forDataSource(
    dataSource: DataSource,
    options: Pick<PersistenceOptions, 'readiness'> = {},
  ): DynamicModule {
    // A factory, not `useValue`: Nest hashes a dynamic module's metadata, values included, and a
    // live data source is a large graph to serialise.
    return PersistenceModule.build(options, false, () => dataSource);
  }

  private static build(
    options: Pick<PersistenceOptions, 'readiness'>,
    ownsDataSource: boolean,
    dataSource: () => DataSource | Promise<DataSource>,
  ): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: PERSISTENCE_OPTIONS, useValue: options },
        { provide: OWNS_DATA_SOURCE, useValue: ownsDataSource },
        { provide: DataSource, useFactory: dataSource },
        ...REPOSITORIES.map((Repository) => ({
          provide: Repository,
          useFactory: (ds: DataSource) => new Repository(ds),
          inject: [DataSource],
        })),
      ],
      exports: [DataSource, ...REPOSITORIES],
    };
  }

  onModuleInit(): void {
    if (this.options.readiness === 'not-required') {
      return;
    }
    this.readiness.register('postgres', async () => {
      await this.dataSource.query('SELECT 1');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsDataSource && this.dataSource.isInitialized) {
      await this.dataSource.destroy();
    }
  }
}
