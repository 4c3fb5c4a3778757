import type { DataSource } from 'typeorm';
import type { DatabaseLogin, DatabaseLoginSource } from '@ecotrack/core';

/** Host, port and database from DATABASE_URL; the login comes from the source. */
export function connectionTarget(url: string): { host: string; port: number; database: string } {
  const parsed = new URL(url);
  return { host: decodeURIComponent(parsed.hostname), port: Number(parsed.port || 5432), database: decodeURIComponent(parsed.pathname.slice(1)) };
}

interface PoolWithOptions {
  options: { user?: string; password?: string };
}

/**
 * Points new connections at each fresh login. pg's Pool builds every new
 * client from its `options`, so updating them switches the pool without
 * closing it: connections in use finish their work, and maxLifetimeSeconds
 * (set from the source) retires the old ones before their login expires.
 */
export function followDatabaseLogins(dataSource: DataSource, source: DatabaseLoginSource): void {
  source.onRotate((login: DatabaseLogin) => {
    // Before the first connect the pool does not exist yet; it will be built from these options.
    Object.assign(dataSource.options, { username: login.username, password: login.password });
    const pool = (dataSource.driver as unknown as { master?: PoolWithOptions }).master;
    if (pool) Object.assign(pool.options, { user: login.username, password: login.password });
  });
}
