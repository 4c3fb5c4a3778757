import { SERVICES, WORKSPACE_ROOT } from '@ecotrack/testing';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';

const urlOf = (service: string) => process.env[`${service.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`]!;
const TABLES: Record<string, string> = {
  'user-service': 'users',
  'product-service': 'products',
  'order-service': 'orders',
  'payment-service': 'payments',
  'notification-service': 'notifications',
};

/** One database per service, each with its own role, schema only from migrations. */
describe('service databases', () => {
  it.each(SERVICES)('%s: its migrations are applied to its own database', async (service) => {
    const client = new Client({ connectionString: urlOf(service) });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT current_database() AS db, current_user AS role');
      expect(rows[0]).toEqual({ db: `ecotrack_${service.replace('-service', '')}`, role: service.replace('-', '_') });
      const applied = await client.query('SELECT name FROM schema_migrations');
      expect(applied.rowCount).toBeGreaterThan(0);
      const table = await client.query('SELECT to_regclass($1) AS t', [TABLES[service]]);
      expect(table.rows[0].t).toBe(TABLES[service]);
    } finally {
      await client.end();
    }
  });

  it("a service's role cannot connect to another service's database", async () => {
    const url = new URL(urlOf('order-service'));
    url.pathname = '/ecotrack_payment';
    const client = new Client({ connectionString: url.toString() });
    await expect(client.connect()).rejects.toThrow(/permission denied/);
    await client.end().catch(() => undefined);
  });
});

describe('the migration step', () => {
  const scratch = `ecotrack_migrate_${process.pid}`;
  const admin = () => new Client({ connectionString: process.env.POSTGRES_ADMIN_URL });

  beforeAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`CREATE DATABASE ${scratch}`);
    await client.end();
  });
  afterAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${scratch}`);
    await client.end();
  });

  it('run by three pods at once: one applies, the others wait and find it up to date', async () => {
    const url = new URL(process.env.POSTGRES_ADMIN_URL!);
    url.pathname = `/${scratch}`;
    const run = () =>
      promisify(execFile)(process.execPath, ['tools/run/migrate.js', 'product-service'], {
        cwd: WORKSPACE_ROOT,
        env: { PATH: process.env.PATH, DATABASE_URL: url.toString() },
      });
    const outputs = (await Promise.all([run(), run(), run()])).map((r) => r.stdout.trim());
    expect(outputs.filter((o) => o.includes('applied CreateProducts')).length).toBe(1);
    expect(outputs.filter((o) => o.endsWith('up to date')).length).toBe(2);
  }, 60_000);
});
