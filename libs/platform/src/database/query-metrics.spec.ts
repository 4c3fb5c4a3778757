import { Registry } from 'prom-client';
import { QueryMetrics, queryOperation, type SlowQueryLog } from './query-metrics';

describe('query metrics', () => {
  it.each([
    ['SELECT * FROM orders', 'select'],
    ['  \n select 1', 'select'],
    ['INSERT INTO t VALUES ($1)', 'insert'],
    ['Update t SET a = 1', 'update'],
    ['DELETE FROM t', 'delete'],
    ['START TRANSACTION', 'transaction'],
    ['BEGIN', 'transaction'],
    ['COMMIT', 'transaction'],
    ['ROLLBACK', 'transaction'],
    ['SAVEPOINT typeorm_1', 'transaction'],
    ['RELEASE SAVEPOINT typeorm_1', 'transaction'],
    ['ROLLBACK TO SAVEPOINT typeorm_1', 'transaction'],
    ['WITH changed AS (UPDATE t SET a = 1 RETURNING id) SELECT id FROM changed', 'other'],
    ['SET statement_timeout = 1000', 'other'],
    ['SHOW server_version', 'other'],
    ['sel', 'other'],
    ['', 'other'],
    ['selection', 'select'],
  ])('%j is %s', (sql, operation) => {
    expect(queryOperation(sql)).toBe(operation);
  });

  it('observes every statement; only those at or above the threshold are counted slow and logged, text only', async () => {
    const registry = new Registry();
    const logged: Parameters<SlowQueryLog>[] = [];
    const metrics = new QueryMetrics(registry, 100, (...entry) => logged.push(entry));
    const now = performance.now();
    metrics.observe('SELECT 1', now - 5);
    metrics.observe('UPDATE t SET a = $1', now - 250);
    metrics.observe(`SELECT ${'x'.repeat(3000)}`, now - 120);
    const text = await registry.metrics();
    expect(text).toMatch(/ecotrack_db_query_duration_seconds_count\{operation="select"\} 2/);
    expect(text).toMatch(/ecotrack_db_query_duration_seconds_count\{operation="update"\} 1/);
    expect(text).toMatch(/ecotrack_db_slow_queries_total\{operation="update"\} 1/);
    expect(text).toMatch(/ecotrack_db_slow_queries_total\{operation="select"\} 1/);
    expect(text).toMatch(/ecotrack_db_slow_queries_total\{operation="delete"\} 0/); // every kind exists from the start
    expect(logged).toHaveLength(2);
    expect(logged[0][0]).toMatchObject({ operation: 'update', statement: 'UPDATE t SET a = $1' });
    expect(logged[0][0].durationMs).toBeGreaterThanOrEqual(250);
    expect(logged[1][0].statement).toHaveLength(2003); // long statements are cut, marked with "..."
  });
});
