import type { Client } from 'pg';
import type { DataSourceOptions, EntitySchema, MixedList } from 'typeorm';
import { AfterCommitSubscriber } from './after-commit';

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
  /** The pool's connection class (QueryMetrics.clientClass: timed statements); pg's own without it. */
  client?: typeof Client;
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
    // afterCommit(): actions (metrics of committed facts) that must wait for COMMIT.
    subscribers: [AfterCommitSubscriber],
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
      ...(settings.client ? { Client: settings.client } : {}),
    },
  };
}
