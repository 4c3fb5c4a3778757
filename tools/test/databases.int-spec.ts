import { SERVICES } from '@ecotrack/testing';
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
