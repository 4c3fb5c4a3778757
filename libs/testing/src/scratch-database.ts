import { postgresOptions, type DatabaseSettings } from '@ecotrack/platform';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

/** What a scratch database holds: the entities its pools map, the migrations that build its tables. */
export type ScratchSchema = Pick<DatabaseSettings, 'entities' | 'migrations'>;

/**
 * A database of its own for one test file (created through POSTGRES_ADMIN_URL, dropped at the
 * end), with the given migrations applied exactly as a service's migration step applies them.
 */
export class ScratchDatabase {
  private readonly sources: DataSource[] = [];
  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly schema: ScratchSchema,
  ) {}

  /** `purpose` names it (`ecotrack_<purpose>_<random>`), so a leftover says which test made it. */
  static async create(purpose: string, schema: ScratchSchema): Promise<ScratchDatabase> {
    const name = `ecotrack_${purpose}_${randomUUID().slice(0, 8)}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.POSTGRES_ADMIN_URL!);
    url.pathname = `/${name}`;
    const database = new ScratchDatabase(name, url.toString(), schema);
    const migrator = await database.connect('migrate');
    await migrator.runMigrations({ transaction: 'each' });
    return database;
  }

  /** A connection pool like a service's (each one is "another process" as far as PostgreSQL knows). */
  async connect(applicationName: string, poolMax = 10): Promise<DataSource> {
    const dataSource = new DataSource(postgresOptions({ url: this.url, applicationName, poolMax, ...this.schema }));
    await dataSource.initialize();
    this.sources.push(dataSource);
    return dataSource;
  }

  async drop(): Promise<void> {
    await Promise.all(this.sources.filter((s) => s.isInitialized).map((s) => s.destroy()));
    await adminQuery(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: process.env.POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
