#!/usr/bin/env node
/**
 * The local stack's backup agent (started by tools/stack/components/backup.sh; docs/dr.md).
 *
 * It takes the backups on schedule: a full backup of PostgreSQL when there is none or the newest is
 * older than BACKUP_FULL_EVERY_HOURS (a week), else a differential when the newest backup is older than
 * BACKUP_DIFF_EVERY_HOURS (a day); every run also takes an OpenBao snapshot. The runs themselves are
 * `stack.sh backup <type>`, the same as `./ecotrack backup`.
 *
 * And it serves /metrics, read at each scrape from the truth rather than from its own memory: the
 * repository (`pgbackrest info`), the snapshots on disk, the runs' log, pg_stat_archiver, and the
 * streaming replica as pg_stat_replication shows it. A backup
 * taken by hand counts the same as a scheduled one.
 */
const { execFile } = require('node:child_process');
const { readFileSync, readdirSync, statSync } = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { promisify } = require('node:util');
const { Client } = require('pg');
const { Gauge, Registry } = require('prom-client');

const run = promisify(execFile);
const env = process.env;
const HOME = env.BACKUP_HOME;
const HOUR = 3600_000;
const FULL_EVERY_MS = Number(env.BACKUP_FULL_EVERY_HOURS ?? 168) * HOUR;
const DIFF_EVERY_MS = Number(env.BACKUP_DIFF_EVERY_HOURS ?? 24) * HOUR;
const TICK_MS = 60_000;

const log = (message) => console.log(`${new Date().toISOString()} ${message}`);

/** Newest stop time (Unix seconds) of each backup type in the repository. */
async function repositoryBackups() {
  const { stdout } = await run('runuser', ['-u', 'postgres', '--', 'pgbackrest', `--config=${env.PGBACKREST_CONFIG}`, `--stanza=${env.PGBACKREST_STANZA}`, '--output=json', 'info']);
  const newest = {};
  for (const stanza of JSON.parse(stdout)) {
    for (const backup of stanza.backup ?? []) newest[backup.type] = Math.max(newest[backup.type] ?? 0, backup.timestamp.stop);
  }
  return newest;
}

function newestSnapshot() {
  const dir = path.join(HOME, 'openbao');
  const times = readdirSync(dir).filter((f) => f.endsWith('.snap')).map((f) => statSync(path.join(dir, f)).mtimeMs / 1000);
  return times.length ? Math.max(...times) : undefined;
}

/** The runs' log: one line "time target type outcome" per run (backup_record). */
function runCounts() {
  let text = '';
  try {
    text = readFileSync(path.join(HOME, 'runs.log'), 'utf8');
  } catch {
    return new Map();
  }
  const counts = new Map();
  for (const line of text.split('\n').filter(Boolean)) {
    const [, target, type, outcome] = line.split(' ');
    const key = JSON.stringify({ target, type, outcome });
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The admin URL from the stack's env file (mode 600), never from argv or the environment of the process list. */
const adminUrl = () => /^export POSTGRES_ADMIN_URL=(.*)$/m.exec(readFileSync(env.STACK_ENV, 'utf8'))?.[1];

async function archiver() {
  const client = new Client({ connectionString: adminUrl(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT archived_count, failed_count, extract(epoch FROM last_archived_time) AS last_archived FROM pg_stat_archiver`);
    // The streaming replica as the primary sees it: connected or not, and how far behind its replay is.
    const replicas = await client.query(
      `SELECT count(*) AS connected, coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0) AS lag_bytes,
              coalesce(max(extract(epoch FROM replay_lag)), 0) AS lag_seconds
         FROM pg_stat_replication`,
    );
    return { ...rows[0], ...replicas.rows[0] };
  } finally {
    await client.end();
  }
}

const registry = new Registry();
new Gauge({
  name: 'ecotrack_backup_last_success_timestamp_seconds',
  help: 'When the newest backup of a target and type completed (Unix seconds): PostgreSQL from the pgBackRest repository, OpenBao from its newest snapshot',
  labelNames: ['target', 'type'],
  registers: [registry],
  async collect() {
    this.reset();
    for (const [type, stop] of Object.entries(await repositoryBackups().catch(() => ({})))) this.set({ target: 'postgres', type }, stop);
    const snapshot = newestSnapshot();
    if (snapshot) this.set({ target: 'openbao', type: 'snapshot' }, snapshot);
  },
});
// Counters read from the runs' log: a Gauge object only because prom-client's Counter cannot be set.
const runs = new Gauge({
  name: 'ecotrack_backup_runs_total',
  help: 'Backup runs (scheduled or by hand) by target, type and outcome',
  labelNames: ['target', 'type', 'outcome'],
  registers: [registry],
  collect() {
    this.reset();
    for (const [key, count] of runCounts()) this.set(JSON.parse(key), count);
  },
});
const archived = new Gauge({ name: 'ecotrack_wal_archived_total', help: 'WAL segments archived to the repository (pg_stat_archiver)', registers: [registry] });
const failures = new Gauge({ name: 'ecotrack_wal_archive_failures_total', help: 'Failed attempts to archive a WAL segment (pg_stat_archiver)', registers: [registry] });
const lastArchived = new Gauge({ name: 'ecotrack_wal_last_archived_timestamp_seconds', help: 'When the newest WAL segment was archived (Unix seconds)', registers: [registry] });
const replicaConnected = new Gauge({ name: 'ecotrack_replica_connected', help: 'Streaming replicas connected to the primary (pg_stat_replication)', registers: [registry] });
const replicaLagBytes = new Gauge({ name: 'ecotrack_replica_lag_bytes', help: "WAL the replica has not replayed yet: the primary's position minus the replica's replay position", registers: [registry] });
const replicaLagSeconds = new Gauge({ name: 'ecotrack_replica_lag_seconds', help: 'How long the replica took to replay what the primary wrote, as last reported (0 when idle)', registers: [registry] });
const counterType = (metric) => (metric.type = 'counter'); // exposed as counters: they only grow
[runs, archived, failures].forEach(counterType);

async function metrics() {
  const stats = await archiver().catch((error) => log(`pg_stat_archiver unreadable: ${error.message}`));
  if (stats) {
    archived.set(Number(stats.archived_count));
    failures.set(Number(stats.failed_count));
    if (stats.last_archived) lastArchived.set(Number(stats.last_archived));
    replicaConnected.set(Number(stats.connected));
    replicaLagBytes.set(Number(stats.lag_bytes));
    replicaLagSeconds.set(Number(stats.lag_seconds));
  }
  return registry.metrics();
}

let running = false;
async function tick() {
  if (running) return;
  running = true;
  try {
    const newest = await repositoryBackups();
    const now = Date.now();
    const lastFull = (newest.full ?? 0) * 1000;
    const lastAny = Math.max(lastFull, (newest.diff ?? 0) * 1000, (newest.incr ?? 0) * 1000);
    const type = now - lastFull >= FULL_EVERY_MS ? 'full' : now - lastAny >= DIFF_EVERY_MS ? 'diff' : undefined;
    if (type) {
      log(`scheduled ${type} backup`);
      await run('bash', [env.BACKUP_COMMAND, 'backup', type], { maxBuffer: 16 * 1024 * 1024 }).then(
        () => log(`${type} backup done`),
        (error) => log(`${type} backup failed: ${error.stderr || error.message}`),
      );
    }
  } catch (error) {
    log(`schedule check failed: ${error.message}`);
  } finally {
    running = false;
  }
}

http
  .createServer((request, response) => {
    if (request.url !== '/metrics') return response.writeHead(404).end();
    metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error) => response.writeHead(500).end(String(error)),
    );
  })
  .listen(Number(env.BACKUP_AGENT_PORT), '127.0.0.1', () => log(`backup agent on :${env.BACKUP_AGENT_PORT}`));
setInterval(tick, TICK_MS).unref();
void tick();
