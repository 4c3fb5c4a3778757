import { Client } from 'pg';
import { Counter, Histogram, type Registry } from 'prom-client';

/** The statement kinds queries are labelled with: a bounded set, whatever SQL the services send. */
export const QUERY_OPERATIONS = ['select', 'insert', 'update', 'delete', 'transaction', 'other'] as const;
export type QueryOperation = (typeof QUERY_OPERATIONS)[number];

/** Seconds buckets for statements: 0.5 ms to 10 s (statement_timeout is 15 s). */
const QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Long generated statements (IN lists, bulk inserts) stay readable in one log line. */
const LOGGED_STATEMENT_MAX_CHARS = 2_000;

/** Where a slow statement is reported: the text only (TypeORM sends values as parameters, never logged). */
export type SlowQueryLog = (fields: { operation: QueryOperation; durationMs: number; statement: string }, message: string) => void;

/** Does `sql`, from index `at`, start with the lowercase keyword `word` (ASCII case-insensitive)? No allocation. */
function startsWithWord(sql: string, at: number, word: string): boolean {
  if (sql.length < at + word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((sql.charCodeAt(at + i) | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The statement's kind from its first keyword, looked at in place (this runs for every
 * query). Transaction control (BEGIN/START, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) is
 * `transaction`; a CTE (WITH), SET, SHOW and the rest are `other`.
 */
export function queryOperation(sql: string): QueryOperation {
  let at = 0;
  while (at < sql.length && sql.charCodeAt(at) <= 0x20) at++;
  switch (sql.charCodeAt(at) | 0x20) {
    case 0x73: // s
      if (startsWithWord(sql, at, 'select')) return 'select';
      return startsWithWord(sql, at, 'start') || startsWithWord(sql, at, 'savepoint') ? 'transaction' : 'other';
    case 0x69: // i
      return startsWithWord(sql, at, 'insert') ? 'insert' : 'other';
    case 0x75: // u
      return startsWithWord(sql, at, 'update') ? 'update' : 'other';
    case 0x64: // d
      return startsWithWord(sql, at, 'delete') ? 'delete' : 'other';
    case 0x62: // b
      return startsWithWord(sql, at, 'begin') ? 'transaction' : 'other';
    case 0x63: // c
      return startsWithWord(sql, at, 'commit') ? 'transaction' : 'other';
    case 0x72: // r
      return startsWithWord(sql, at, 'rollback') || startsWithWord(sql, at, 'release') ? 'transaction' : 'other';
    default:
      return 'other';
  }
}

type Observe = (sql: string, startedMs: number) => void;

/**
 * ecotrack_db_query_duration_seconds{operation} and ecotrack_db_slow_queries_total{operation}:
 * every statement a service sends, timed at the driver (pg), with slow ones logged.
 */
export class QueryMetrics {
  private readonly duration: Histogram<'operation'>;
  private readonly slow: Counter<'operation'>;
  /** One label object per operation, made once: observing allocates none. */
  private readonly labels = Object.fromEntries(QUERY_OPERATIONS.map((operation) => [operation, { operation }])) as Record<QueryOperation, { operation: QueryOperation }>;

  constructor(
    registry: Registry,
    private readonly slowQueryMs: number,
    private readonly logSlow: SlowQueryLog,
  ) {
    const registers = [registry];
    this.duration = new Histogram({
      name: 'ecotrack_db_query_duration_seconds',
      help: 'PostgreSQL statements by kind, from sending to the result (or error), as the service saw them',
      labelNames: ['operation'],
      buckets: QUERY_BUCKETS,
      registers,
    });
    this.slow = new Counter({
      name: 'ecotrack_db_slow_queries_total',
      help: 'Statements slower than DATABASE_SLOW_QUERY_MS, each also logged at warn with its text (never its parameters)',
      labelNames: ['operation'],
      registers,
    });
    for (const operation of QUERY_OPERATIONS) {
      this.duration.zero(this.labels[operation]);
      this.slow.inc(this.labels[operation], 0);
    }
  }

  /** Records one statement that started at `startedMs` (performance.now()). */
  readonly observe: Observe = (sql, startedMs) => {
    const elapsedMs = performance.now() - startedMs;
    const operation = queryOperation(sql);
    this.duration.observe(this.labels[operation], elapsedMs / 1000);
    if (elapsedMs < this.slowQueryMs) return;
    this.slow.inc(this.labels[operation]);
    const statement = sql.length > LOGGED_STATEMENT_MAX_CHARS ? `${sql.slice(0, LOGGED_STATEMENT_MAX_CHARS)}...` : sql;
    this.logSlow({ operation, durationMs: Math.round(elapsedMs), statement }, `slow ${operation} statement: ${Math.round(elapsedMs)} ms`);
  };

  /**
   * A pg Client class whose text queries (what TypeORM sends) are timed; for the pool's
   * `Client` option, so every connection the pool ever makes, after any login rotation, has it.
   * Streams, query objects and callbacks go through untouched.
   */
  clientClass(): typeof Client {
    const observe = this.observe;
    class TimedClient extends Client {}
    const timedQuery = function (this: Client, text: unknown, values?: unknown, callback?: unknown): unknown {
      // Looked up per call: OpenTelemetry's pg instrumentation wraps the prototype's query.
      const query = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;
      if (typeof text !== 'string' || typeof values === 'function' || callback !== undefined) return query.call(this, text, values, callback);
      const startedMs = performance.now();
      const result = query.call(this, text, values) as Promise<unknown>;
      const done = () => observe(text, startedMs);
      // The caller awaits `result` itself; this branch only records (and never rejects).
      result.then(done, done);
      return result;
    };
    TimedClient.prototype.query = timedQuery as Client['query'];
    return TimedClient;
  }
}
