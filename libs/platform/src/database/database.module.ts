import { Inject, Injectable, Logger, Module, Optional, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { METRICS_REGISTRY } from '@ecotrack/telemetry';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type DependencyCheck, DependencyRegistry, SECRET_SOURCE, type SecretSource, SERVICE_INFO, type ServiceInfo } from '@ecotrack/core';
import type { PlatformConfig } from '../config/config';
import { postgresOptions, type DatabaseSettings } from './data-source-options';
import { connectionTarget, followDatabaseLogins } from './follow-database-logins';
import { registerPoolMetrics } from './pool-metrics';
import { QueryMetrics } from './query-metrics';

/** Statement timings and slow-statement warnings of the service's pool (none without a metrics registry). */
function queryMetrics(registry: Registry | undefined, config: PlatformConfig): QueryMetrics | undefined {
  if (!registry) return undefined;
  const logger = new Logger('Database');
  return new QueryMetrics(registry, config.DATABASE_SLOW_QUERY_MS, (fields, message) => logger.warn({ ...fields, msg: message }));
}

/** Connects on first check (not at module creation), so start-up can wait and retry. */
@Injectable()
class PostgresCheck implements DependencyCheck, OnModuleInit {
  readonly name = 'postgres';

  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: DependencyRegistry,
    @Inject(SECRET_SOURCE) private readonly secrets: SecretSource | null,
    @Optional() @Inject(METRICS_REGISTRY) private readonly metrics: Registry | undefined,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
    if (this.metrics) registerPoolMetrics(this.metrics, this.dataSource);
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
          inject: [APP_CONFIG, SERVICE_INFO, SECRET_SOURCE, { token: METRICS_REGISTRY, optional: true }],
          useFactory: (config: PlatformConfig, service: ServiceInfo, secrets: SecretSource | null, metrics: Registry | undefined) => {
            const base = postgresOptions({
              url: config.DATABASE_URL,
              applicationName: service.name,
              poolMax: config.DATABASE_POOL_MAX,
              entities: options.entities,
              client: queryMetrics(metrics, config)?.clientClass(),
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
