import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG, Lifecycle } from '@ecotrack/core';
import { TransitCipher } from '@ecotrack/secrets';
import { DataSource } from 'typeorm';
import { DEFAULT_REWRAP_BATCH_SIZE, DEFAULT_REWRAP_INTERVAL_SECONDS, type FieldEncryptionConfig } from './field-encryption.config';

/** A text column holding transit ciphertext (`vault:vN:...`), in a table keyed by `id uuid`. */
export interface EncryptedColumn {
  table: string;
  column: string;
  /**
   * The plaintext column it replaces, if any: values still there (rows written before the
   * migration, or by an older version during a rolling update) are encrypted into `column` and
   * removed. Writers of this version always set it to NULL, so a value there is the newest one.
   */
  legacyColumn?: string;
}

export const ENCRYPTED_COLUMNS = Symbol('ENCRYPTED_COLUMNS');

export interface ColumnReport {
  table: string;
  column: string;
  /** Ciphertexts moved to the latest key version. */
  rewrapped: number;
  /** Plaintext leftovers encrypted (and removed from the legacy column). */
  encrypted: number;
  /** Rows that changed while the job worked on them: left as they were (a writer used the latest key anyway). */
  skipped: number;
}

export interface RewrapReport {
  key: string;
  latestVersion: number;
  /** The oldest key version any row still needs after the run; null when no row holds ciphertext. */
  oldestVersionInUse: number | null;
  rewrapped: number;
  encrypted: number;
  skipped: number;
  columns: ColumnReport[];
  durationMs: number;
}

const FIRST_ID = '00000000-0000-0000-0000-000000000000';
/** Between start-up and the first scheduled run: plaintext leftovers are encrypted soon after a deployment. */
const FIRST_RUN_DELAY_MS = 30_000;
const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/**
 * After `bao write -f transit/keys/<key>/rotate`, new writes use the new key version while old
 * rows keep theirs until rewrapped: this job pages through every encrypted column (keyset by id)
 * for ciphertexts older than the key's latest version and rewraps them in batches (transit
 * rewrap: the data never leaves OpenBao in the clear). A row is replaced only if its ciphertext
 * is still the one read (UPDATE ... WHERE column = old), so a concurrent write is never
 * overwritten; such rows are counted as skipped. Runs are therefore safe to overlap (replicas,
 * the admin route); within one process they are coalesced, and the scheduled runs of several
 * replicas take turns through a PostgreSQL advisory lock (a busy lock skips that run).
 * The report's `oldestVersionInUse` tells the operator when older key versions can no longer be
 * needed: once it equals the latest version, min_decryption_version may be raised to it.
 */
@Injectable()
export class FieldKeyRewrap {
  private readonly logger = new Logger('FieldKeyRewrap');
  private running: Promise<RewrapReport> | undefined;

  constructor(
    private readonly cipher: TransitCipher,
    private readonly dataSource: DataSource,
    @Inject(ENCRYPTED_COLUMNS) private readonly columns: readonly EncryptedColumn[],
  ) {}

  /** One run over all columns; a call while one runs in this process gets that run's report. */
  rewrapAll(batchSize = DEFAULT_REWRAP_BATCH_SIZE): Promise<RewrapReport> {
    this.running ??= this.run(Math.max(1, Math.floor(batchSize))).finally(() => (this.running = undefined));
    return this.running;
  }

  /** rewrapAll, unless another replica holds the job's advisory lock (then undefined: that replica is doing it). */
  async rewrapAllExclusive(batchSize?: number): Promise<RewrapReport | undefined> {
    const session = this.dataSource.createQueryRunner();
    await session.connect();
    const lockKey = `field-key-rewrap:${this.cipher.key}`;
    try {
      const [{ locked }] = await session.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lockKey]);
      if (!locked) return undefined;
      try {
        return await this.rewrapAll(batchSize);
      } finally {
        await session.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      }
    } finally {
      await session.release();
    }
  }

  private async run(batchSize: number): Promise<RewrapReport> {
    const started = Date.now();
    const latestVersion = await this.cipher.latestVersion();
    const columns: ColumnReport[] = [];
    for (const spec of this.columns) {
      const report: ColumnReport = { table: spec.table, column: spec.column, rewrapped: 0, encrypted: 0, skipped: 0 };
      if (spec.legacyColumn) await this.encryptLeftovers(spec, spec.legacyColumn, batchSize, report);
      await this.rewrapStale(spec, latestVersion, batchSize, report);
      columns.push(report);
    }
    const total = (field: 'rewrapped' | 'encrypted' | 'skipped') => columns.reduce((sum, column) => sum + column[field], 0);
    const report: RewrapReport = {
      key: this.cipher.key,
      latestVersion,
      oldestVersionInUse: await this.oldestVersionInUse(),
      rewrapped: total('rewrapped'),
      encrypted: total('encrypted'),
      skipped: total('skipped'),
      columns,
      durationMs: Date.now() - started,
    };
    if (report.rewrapped || report.encrypted || report.skipped) {
      this.logger.log(
        { key: report.key, latestVersion, rewrapped: report.rewrapped, encrypted: report.encrypted, skipped: report.skipped, durationMs: report.durationMs },
        'field key job: rows moved to the latest key version',
      );
    }
    return report;
  }

  private async oldestVersionInUse(): Promise<number | null> {
    let oldest: number | null = null;
    for (const spec of this.columns) {
      const column = quote(spec.column);
      const [row]: Array<{ version: number | null }> = await this.dataSource.query(
        `SELECT min(substring(${column} from '^vault:v([0-9]+):')::int) AS version FROM ${quote(spec.table)} WHERE ${column} IS NOT NULL`,
      );
      if (row?.version != null && (oldest === null || row.version < oldest)) oldest = row.version;
    }
    return oldest;
  }

  private async rewrapStale(spec: EncryptedColumn, latestVersion: number, batchSize: number, report: ColumnReport): Promise<void> {
    const [table, column] = [quote(spec.table), quote(spec.column)];
    for (let after = FIRST_ID; ; ) {
      const rows: Array<{ id: string; ciphertext: string }> = await this.dataSource.query(
        `SELECT id, ${column} AS ciphertext FROM ${table}
          WHERE ${column} IS NOT NULL AND id > $1 AND substring(${column} from '^vault:v([0-9]+):')::int < $2
          ORDER BY id LIMIT $3`,
        [after, latestVersion, batchSize],
      );
      if (rows.length === 0) return;
      const rewrapped = await this.cipher.rewrap(rows.map((row) => row.ciphertext));
      const [, updated]: [unknown, number] = await this.dataSource.query(
        `UPDATE ${table} AS t SET ${column} = v.next
           FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, previous, next)
          WHERE t.id = v.id AND t.${column} = v.previous`,
        [rows.map((row) => row.id), rows.map((row) => row.ciphertext), rewrapped],
      );
      report.rewrapped += updated;
      report.skipped += rows.length - updated;
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].id;
    }
  }

  private async encryptLeftovers(spec: EncryptedColumn, legacyColumn: string, batchSize: number, report: ColumnReport): Promise<void> {
    const [table, column, legacy] = [quote(spec.table), quote(spec.column), quote(legacyColumn)];
    for (let after = FIRST_ID; ; ) {
      const rows: Array<{ id: string; plaintext: string }> = await this.dataSource.query(
        `SELECT id, ${legacy}::text AS plaintext FROM ${table} WHERE ${legacy} IS NOT NULL AND id > $1 ORDER BY id LIMIT $2`,
        [after, batchSize],
      );
      if (rows.length === 0) return;
      const ciphertexts = await this.cipher.encryptBatch(rows.map((row) => row.plaintext));
      const [, updated]: [unknown, number] = await this.dataSource.query(
        `UPDATE ${table} AS t SET ${column} = v.next, ${legacy} = NULL
           FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, previous, next)
          WHERE t.id = v.id AND t.${legacy}::text = v.previous`,
        [rows.map((row) => row.id), rows.map((row) => row.plaintext), ciphertexts],
      );
      report.encrypted += updated;
      report.skipped += rows.length - updated;
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].id;
    }
  }
}

/**
 * Runs the job every FIELD_KEY_REWRAP_INTERVAL_SECONDS (default hourly; 0: off), the first time 30 s
 * after start-up or once the service is ready, if later. The timer does not hold the process open,
 * and a run under way is awaited before the database closes.
 */
@Injectable()
export class FieldKeyRewrapSchedule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('FieldKeyRewrap');
  private readonly shutdown = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;

  constructor(
    private readonly job: FieldKeyRewrap,
    private readonly lifecycle: Lifecycle,
    @Inject(APP_CONFIG) private readonly config: FieldEncryptionConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.intervalMs === 0) {
      this.logger.log('scheduled field key job off (FIELD_KEY_REWRAP_INTERVAL_SECONDS=0); POST /v1/admin/field-keys/rewrap runs it');
      return;
    }
    this.schedule(Math.min(FIRST_RUN_DELAY_MS, this.intervalMs));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    clearTimeout(this.timer);
    await this.current?.catch(() => undefined);
  }

  /** Read each time: the configuration may be reloaded live. */
  private get intervalMs(): number {
    return (this.config.FIELD_KEY_REWRAP_INTERVAL_SECONDS ?? DEFAULT_REWRAP_INTERVAL_SECONDS) * 1000;
  }

  private schedule(delayMs: number): void {
    if (this.shutdown.signal.aborted || delayMs === 0) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (!(await this.lifecycle.whenReady(this.shutdown.signal))) return;
    this.current = this.job.rewrapAllExclusive(this.config.FIELD_KEY_REWRAP_BATCH_SIZE ?? DEFAULT_REWRAP_BATCH_SIZE);
    try {
      await this.current;
    } catch (error) {
      this.logger.warn(`field key job failed, next run in ${this.intervalMs / 1000} s: ${(error as Error).message}`);
    } finally {
      this.current = undefined;
    }
    this.schedule(this.intervalMs);
  }
}
