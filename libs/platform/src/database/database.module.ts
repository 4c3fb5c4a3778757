import { Inject, Injectable, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type DependencyCheck, DependencyRegistry, SECRET_SOURCE, type SecretSource, SERVICE_INFO, type ServiceInfo } from '@ecotrack/core';
import type { PlatformConfig } from '../config/config';
import { postgresOptions, type DatabaseSettings } from './data-source-options';
import { connectionTarget, followDatabaseLogins } from './follow-database-logins';

/** Connects on first check (not at module creation), so start-up can wait and retry. */
@Injectable()
class PostgresCheck implements DependencyCheck, OnModuleInit {
  readonly name = 'postgres';

  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: DependencyRegistry,
    @Inject(SECRET_SOURCE) private readonly secrets: SecretSource | null,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
    if (this.secrets?.database) followDatabaseLogins(this.dataSource, this.secrets.database);
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
          inject: [APP_CONFIG, SERVICE_INFO, SECRET_SOURCE],
          useFactory: (config: PlatformConfig, service: ServiceInfo, secrets: SecretSource | null) => {
            const base = postgresOptions({
              url: config.DATABASE_URL,
              applicationName: service.name,
              poolMax: config.DATABASE_POOL_MAX,
              entities: options.entities,
            });
            const logins = secrets?.database;
            if (!logins) return { ...base, manualInitialization: true };
            // Dynamic logins: DATABASE_URL names the server and database only.
            const { username, password } = logins.current();
            return {
              ...base,
              url: undefined,
              ...connectionTarget(config.DATABASE_URL),
              username,
              password,
              extra: { ...base.extra, maxLifetimeSeconds: logins.maxConnectionLifetimeSeconds },
              manualInitialization: true,
            } as unknown as typeof base;
          },
        }),
      ],
      providers: [PostgresCheck],
    };
  }
}
