import type { DataSourceOptions, EntitySchema, MixedList } from 'typeorm';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for entity classes
type EntityList = MixedList<string | Function | EntitySchema>;
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type MigrationList = MixedList<string | Function>;

export interface DatabaseSettings {
  url: string;
  applicationName: string;
  poolMax?: number;
  entities: EntityList;
  migrations?: MigrationList;
}

/**
 * One definition of how a service talks to PostgreSQL, shared by the running
 * app and by its migration step. Schema changes only ever come from migrations.
 */
export function postgresOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    applicationName: settings.applicationName,
    entities: settings.entities,
    migrations: settings.migrations ?? [],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: settings.poolMax ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      // A runaway query must not hold a connection forever.
      statement_timeout: 15_000,
    },
  };
}
