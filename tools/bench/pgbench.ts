import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Client } from 'pg';
import { log, PLAN, stackEnv } from './context';

/** The newest PostgreSQL's pgbench (the stack runs the distribution's PostgreSQL). */
function pgbenchBinary(): string {
  const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no /usr/lib/postgresql/<version>/bin/pgbench');
  return `/usr/lib/postgresql/${versions[0]}/bin/pgbench`;
}

export const PGBENCH_CLIENTS = 8;

/** The superuser's connection (POSTGRES_ADMIN_URL) as libpq variables: nothing secret on a command line. */
export function adminConnection(): { url: string; env: NodeJS.ProcessEnv } {
  const url = new URL(stackEnv().POSTGRES_ADMIN_URL);
  const env = { ...process.env, PGHOST: url.hostname, PGPORT: url.port, PGUSER: decodeURIComponent(url.username), PGPASSWORD: decodeURIComponent(url.password) };
  return { url: url.toString(), env };
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: adminConnection().url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * What the stack's PostgreSQL commits a second: `pgbench -N` (simple updates: one account row and a
 * history insert per transaction) at 8 clients on a scratch database of its own, dropped after.
 */
export async function pgbenchTps(run: string): Promise<{ tps: number; command: string }> {
  const database = `ecotrack_bench_pgbench_${run}`;
  const { env } = adminConnection();
  const binary = pgbenchBinary();
  await admin(`CREATE DATABASE ${database}`);
  try {
    execFileSync(binary, ['-i', '-q', database], { env, stdio: 'pipe' });
    const args = ['-N', '-c', String(PGBENCH_CLIENTS), '-j', '2', '-T', String(PLAN.pgbenchSeconds), database];
    log(`pgbench ${args.join(' ')}`);
    const output = execFileSync(binary, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
    if (!tps) throw new Error(`no tps in pgbench's output:\n${output}`);
    return { tps: Number(tps[1]), command: `${binary} -N -c ${PGBENCH_CLIENTS} -j 2 -T ${PLAN.pgbenchSeconds} <scratch database>` };
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

/** Transactions committed so far in the five service databases (pg_stat_database.xact_commit). */
export async function serviceCommits(): Promise<number> {
  const env = stackEnv();
  const databases = Object.entries(env)
    .filter(([name]) => /_SERVICE_DATABASE_URL$/.test(name))
    .map(([, url]) => new URL(url).pathname.slice(1));
  const client = new Client({ connectionString: adminConnection().url });
  await client.connect();
  try {
    const { rows } = await client.query<{ commits: string }>('SELECT sum(xact_commit)::text AS commits FROM pg_stat_database WHERE datname = ANY($1)', [databases]);
    return Number(rows[0].commits);
  } finally {
    await client.end();
  }
}
