import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { metricValue } from '@ecotrack/telemetry';
import { afterCommit } from './after-commit';
import { postgresOptions } from './data-source-options';
import { registerPoolMetrics } from './pool-metrics';
import { QueryMetrics, type SlowQueryLog } from './query-metrics';

/** Statement and pool metrics of a real PostgreSQL pool, as DatabaseModule wires them; pg_stat_statements in the local server. */
describe('database metrics (real PostgreSQL)', () => {
  const SLOW_MS = 150;
  const registry = new Registry();
  const logged: Parameters<SlowQueryLog>[] = [];
  const queries = new QueryMetrics(registry, SLOW_MS, (...entry) => logged.push(entry));
  let db: DataSource;

  const sample = (name: string, labels: Record<string, string> = {}) => metricValue(registry, name, labels);
  const observed = (operation: string) => sample('ecotrack_db_query_duration_seconds_count', { operation });

  beforeAll(async () => {
    db = new DataSource(postgresOptions({ url: process.env.POSTGRES_ADMIN_URL!, applicationName: 'db-metrics-test', poolMax: 2, entities: [], client: queries.clientClass() }));
    registerPoolMetrics(registry, db);
    await db.initialize();
  });
  afterAll(() => db?.destroy());

  it('every statement is timed under its kind, transaction control included', async () => {
    const before = Object.fromEntries(await Promise.all(['select', 'insert', 'update', 'delete', 'transaction', 'other'].map(async (op) => [op, await observed(op)])));
    await db.transaction(async (tx) => {
      await tx.query('CREATE TEMPORARY TABLE metric_probe (n int) ON COMMIT DROP');
      await tx.query('INSERT INTO metric_probe VALUES ($1)', [1]);
      await tx.query('update metric_probe SET n = 2');
      await tx.query('  SELECT n FROM metric_probe');
      await tx.query('DELETE FROM metric_probe');
    });
    expect(await observed('select')).toBe(before.select + 1);
    expect(await observed('insert')).toBe(before.insert + 1);
    expect(await observed('update')).toBe(before.update + 1);
    expect(await observed('delete')).toBe(before.delete + 1);
    expect(await observed('transaction')).toBe(before.transaction + 2); // START TRANSACTION, COMMIT
    expect(await observed('other')).toBe(before.other + 1); // CREATE
  });

  it('a statement slower than the threshold is counted and logged with its text, never its parameters', async () => {
    const secret = `secret-${randomUUID()}`;
    const slowBefore = await sample('ecotrack_db_slow_queries_total', { operation: 'select' });
    await db.query('SELECT 1 AS fast');
    await db.query('SELECT pg_sleep($1::float8 / 1000), $2::text AS secret', [SLOW_MS + 50, secret]);
    expect(await sample('ecotrack_db_slow_queries_total', { operation: 'select' })).toBe(slowBefore + 1);
    const entry = logged.find(([fields]) => fields.statement.includes('pg_sleep'));
    expect(entry?.[0]).toMatchObject({ operation: 'select', statement: 'SELECT pg_sleep($1::float8 / 1000), $2::text AS secret' });
    expect(entry![0].durationMs).toBeGreaterThanOrEqual(SLOW_MS);
    expect(JSON.stringify(logged)).not.toContain(secret);
    expect(logged.some(([fields]) => fields.statement.includes('fast'))).toBe(false);
  });

  it('pool gauges: connections in use and idle, callers waiting, the pool size', async () => {
    const held = db.createQueryRunner();
    await held.connect();
    const second = db.createQueryRunner();
    await second.connect();
    try {
      expect(await sample('ecotrack_db_pool_connections', { state: 'in_use' })).toBe(2);
      expect(await sample('ecotrack_db_pool_max_connections')).toBe(2);
      const waiting = db.query('SELECT 1'); // the pool (2) is exhausted: this caller waits
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await sample('ecotrack_db_pool_waiting_requests')).toBe(1);
      await held.release();
      await waiting;
      expect(await sample('ecotrack_db_pool_waiting_requests')).toBe(0);
    } finally {
      if (!held.isReleased) await held.release();
      await second.release();
    }
    expect(await sample('ecotrack_db_pool_connections', { state: 'in_use' })).toBe(0);
    expect(await sample('ecotrack_db_pool_connections', { state: 'idle' })).toBe(2);
  });

  it('afterCommit runs after COMMIT only: never for a rollback, nor for what a rolled-back savepoint registered', async () => {
    const ran: string[] = [];
    await db.transaction(async (tx) => {
      afterCommit(tx, () => ran.push('committed'));
      expect(ran).toEqual([]); // not before the commit
      await tx
        .transaction(async (inner) => {
          afterCommit(inner, () => ran.push('savepoint rolled back'));
          throw new Error('undo the savepoint');
        })
        .catch(() => undefined);
      await tx.transaction(async (inner) => afterCommit(inner, () => ran.push('savepoint released')));
      expect(ran).toEqual([]); // a released savepoint still waits for the outer COMMIT
    });
    await db
      .transaction(async (tx) => {
        afterCommit(tx, () => ran.push('rolled back'));
        throw new Error('roll back');
      })
      .catch(() => undefined);
    afterCommit(db.manager, () => ran.push('no transaction: at once'));
    expect(ran).toEqual(['committed', 'savepoint released', 'no transaction: at once']);
  });

  it('pg_stat_statements is loaded and usable in the local PostgreSQL, in every service database', async () => {
    // Statements are told apart by their parse tree (aliases and constants do not count): a table of
    // its own makes this one new, recorded with its text.
    const marker = `stat_probe_${randomUUID().replace(/-/g, '')}`;
    await db.transaction(async (tx) => {
      await tx.query(`CREATE TEMPORARY TABLE ${marker} (n int) ON COMMIT DROP`);
      for (const n of [1, 2]) await tx.query(`SELECT n FROM ${marker} WHERE n = $1`, [n]);
    });
    const recorded = await db.query(`SELECT query, calls::int AS calls FROM pg_stat_statements WHERE query LIKE $1`, [`SELECT n FROM ${marker}%`]);
    expect(recorded).toEqual([{ query: `SELECT n FROM ${marker} WHERE n = $1`, calls: 2 }]);
    const databases: { datname: string }[] = await db.query(`SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY datname`, [
      ['ecotrack_user', 'ecotrack_product', 'ecotrack_order', 'ecotrack_payment', 'ecotrack_notification'],
    ]);
    expect(databases).toHaveLength(5);
    for (const { datname } of databases) {
      const url = new URL(process.env.POSTGRES_ADMIN_URL!);
      url.pathname = `/${datname}`;
      const other = await new DataSource(postgresOptions({ url: url.toString(), applicationName: 'db-metrics-test', entities: [] })).initialize();
      try {
        expect({ datname, extensions: await other.query(`SELECT extname FROM pg_extension WHERE extname = 'pg_stat_statements'`) }).toEqual({
          datname,
          extensions: [{ extname: 'pg_stat_statements' }],
        });
      } finally {
        await other.destroy();
      }
    }
  });
});
