import { Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

/** What pg's Pool tells about itself (pg-pool's public counters). */
interface PoolCounters {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max?: number };
}

/**
 * ecotrack_db_pool_connections{state}, ecotrack_db_pool_waiting_requests and
 * ecotrack_db_pool_max_connections, read from the pool at each scrape: the pool is looked up
 * through the DataSource every time, so it is the current one (none before the first connect,
 * and whichever TypeORM holds after a reconnect or a login rotation).
 */
export function registerPoolMetrics(registry: Registry, dataSource: DataSource): void {
  const pool = (): PoolCounters | undefined => (dataSource.driver as unknown as { master?: PoolCounters }).master;
  const registers = [registry];
  new Gauge({
    name: 'ecotrack_db_pool_connections',
    help: 'PostgreSQL connections of this process by state: in_use (lent to a query or transaction) or idle',
    labelNames: ['state'],
    registers,
    collect() {
      const current = pool();
      const total = current?.totalCount ?? 0;
      const idle = current?.idleCount ?? 0;
      this.set({ state: 'in_use' }, total - idle);
      this.set({ state: 'idle' }, idle);
    },
  });
  new Gauge({
    name: 'ecotrack_db_pool_waiting_requests',
    help: 'Callers waiting for a PostgreSQL connection (the pool is exhausted while above zero)',
    registers,
    collect() {
      this.set(pool()?.waitingCount ?? 0);
    },
  });
  new Gauge({
    name: 'ecotrack_db_pool_max_connections',
    help: 'Size of the PostgreSQL pool (DATABASE_POOL_MAX)',
    registers,
    collect() {
      this.set(pool()?.options.max ?? (dataSource.options.extra as { max?: number } | undefined)?.max ?? 0);
    },
  });
}
