import { Injectable, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, SERVICE_INFO } from '../config/tokens';
import type { PlatformConfig } from '../config/config';
import type { ServiceInfo } from '../service';
import { DependencyRegistry, type DependencyCheck } from '../lifecycle/dependencies';
import { postgresOptions, type DatabaseSettings } from './data-source-options';

/** Connects on first check (not at module creation), so start-up can wait and retry. */
@Injectable()
class PostgresCheck implements DependencyCheck, OnModuleInit {
  readonly name = 'postgres';

  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: DependencyRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async check(): Promise<void> {
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
    await this.dataSource.query('SELECT 1');
  }
}

@Module({})
export class DatabaseModule {
  static forRoot(options: Pick<DatabaseSettings, 'entities'>): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG, SERVICE_INFO],
          useFactory: (config: PlatformConfig, service: ServiceInfo) => ({
            ...postgresOptions({
              url: config.DATABASE_URL,
              applicationName: service.name,
              poolMax: config.DATABASE_POOL_MAX,
              entities: options.entities,
            }),
            manualInitialization: true,
          }),
        }),
      ],
      providers: [PostgresCheck],
    };
  }
}
