import { Logger } from '@nestjs/common';
import { context } from '@opentelemetry/api';
import type { DataSource } from 'typeorm';
import { EventsMetrics } from '../metrics/events-metrics';
import { backoffDelay, type BackoffPolicy } from '../retry/backoff';
import { contextFromHeaders } from '../tracing/trace-context';
import type { MessagePublisher } from './kafka-publisher';
import type { OutboxCommitSignal } from './outbox-commit-signal';
import { publishGroups, type RelayRow } from './publish-groups';

export interface OutboxRelaySettings {
  /** Rows per round (one database transaction). */
  batchSize: number;
  /** How often to look for rows nobody woke us for (other instances' writes, retries). */
  pollIntervalMs: number;
  /** Published rows are deleted after this long (kept meanwhile to answer "was it sent?"). */
  retentionMs: number;
  cleanupIntervalMs: number;
  /** How often the backlog gauges are refreshed. */
  sampleIntervalMs: number;
  /** Waiting after failed rounds (Kafka or PostgreSQL down), growing per consecutive failure. */
  failureBackoff: BackoffPolicy;
}

export const DEFAULT_RELAY_SETTINGS: OutboxRelaySettings = {
  batchSize: 100,
  pollIntervalMs: 1_000,
  retentionMs: 24 * 3600_000,
  cleanupIntervalMs: 60_000,
  sampleIntervalMs: 5_000,
  failureBackoff: { initialMs: 500, maxMs: 30_000 },
};

export interface RelayRound {
  /** Rows locked by this round (published or not). */
  selected: number;
  published: number;
  /** The rows of the send that failed (the round stopped there) and why. */
  failed?: { ids: string[]; error: string };
}

export interface OutboxRelayOptions {
  dataSource: DataSource;
  publisher: MessagePublisher;
  settings?: Partial<OutboxRelaySettings>;
  metrics?: EventsMetrics;
  /** Wakes the relay right after a commit that wrote outbox rows. */
  signal?: OutboxCommitSignal;
}

/**
 * Takes the next batch of unpublished rows in publishing order, LOCKED (FOR
 * UPDATE SKIP LOCKED: another relay instance takes other rows, never the same),
 * minus rows whose key still has an earlier unpublished row outside the batch
 * (held by another instance, or written by a transaction not yet visible):
 * sending those now could overtake it. Two instances thus never reorder a key.
 */
const SELECT_BATCH = `
  WITH batch AS MATERIALIZED (
    SELECT id, position, topic, message_key, payload, headers
      FROM outbox
     WHERE published_at IS NULL
     ORDER BY position
     LIMIT $1
       FOR UPDATE SKIP LOCKED
  )
  SELECT b.id, b.topic, b.message_key, b.payload, b.headers,
         NOT EXISTS (
           SELECT 1 FROM outbox earlier
            WHERE earlier.published_at IS NULL
              AND earlier.topic = b.topic
              AND earlier.message_key = b.message_key
              AND earlier.position < b.position
              AND earlier.id NOT IN (SELECT id FROM batch)
         ) AS eligible
    FROM batch b
   ORDER BY b.position`;

const PRUNE_CHUNK = 5_000;
const describe = (error: unknown) => ((error instanceof Error ? error.message : String(error)) || 'unknown error').slice(0, 2_000);

/**
 * Publishes what OutboxWriter wrote. One round = one transaction: lock a batch,
 * send it (acks from all in-sync replicas), mark it published, commit. A send
 * that fails stops the round there: its rows get attempts+1 and last_error,
 * later rows are not tried (nothing may overtake a message of the same key),
 * everything stays for the next round after a backoff. A crash between send and
 * commit publishes again later: delivery is at-least-once, consumers dedupe.
 */
export class OutboxRelay {
  private readonly logger = new Logger('OutboxRelay');
  readonly settings: OutboxRelaySettings;
  private readonly metrics: EventsMetrics;
  private loop?: Promise<void>;
  private stopping = false;
  private wakeRequested = false;
  private idling?: { wakeable: boolean; end: () => void };
  private unsubscribe?: () => void;
  private nextSampleAt = 0;
  private nextCleanupAt = 0;
  private completedRounds = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.settings = { ...DEFAULT_RELAY_SETTINGS, ...options.settings };
    this.metrics = options.metrics ?? EventsMetrics.for();
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  /** Rounds the background loop has finished (successful or not): a sign of life. */
  get rounds(): number {
    return this.completedRounds;
  }

  /** Starts the background loop (the data source must be initialized). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    if (this.options.signal) {
      this.options.signal.attach(this.options.dataSource);
      this.unsubscribe = this.options.signal.onCommit(() => this.wake());
    }
    this.loop = this.run().finally(() => {
      this.loop = undefined;
    });
  }

  /** Lets the current round finish (its transaction commits), then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.idling?.end();
    await this.loop;
  }

  /** Run a round now instead of at the next poll (ignored while backing off from a failure). */
  wake(): void {
    this.wakeRequested = true;
    if (this.idling?.wakeable) this.idling.end();
  }

  /** One round; exposed for tests and tools. */
  async relayOnce(): Promise<RelayRound> {
    const round = await this.options.dataSource.transaction(async (tx): Promise<RelayRound & { topics: string[] }> => {
      const rows: (RelayRow & { eligible: boolean })[] = await tx.query(SELECT_BATCH, [this.settings.batchSize]);
      const published: RelayRow[] = [];
      let failed: RelayRound['failed'];
      for (const group of publishGroups(rows.filter((row) => row.eligible))) {
        try {
          await context.with(contextFromHeaders(group.traceHeaders), () => this.options.publisher.publish(group.batch));
          published.push(...group.rows);
        } catch (error) {
          failed = { ids: group.rows.map((row) => row.id), error: describe(error) };
          break;
        }
      }
      if (published.length > 0) {
        await tx.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])`, [published.map((row) => row.id)]);
      }
      if (failed) {
        await tx.query(`UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::uuid[])`, [failed.ids, failed.error]);
      }
      return { selected: rows.length, published: published.length, failed, topics: published.map((row) => row.topic) };
    });
    // Counted once committed: a round whose commit fails is published again later.
    for (const topic of round.topics) this.metrics.outboxPublished.inc({ topic });
    if (round.failed) this.metrics.outboxPublishFailures.inc();
    return { selected: round.selected, published: round.published, failed: round.failed };
  }

  /** Deletes rows published longer ago than the retention; returns how many. */
  async prunePublished(): Promise<number> {
    let total = 0;
    for (let chunk = 0; chunk < 20; chunk++) {
      const [, deleted]: [unknown, number] = await this.options.dataSource.query(
        `DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox WHERE published_at < now() - make_interval(secs => $1) LIMIT ${PRUNE_CHUNK})`,
        [this.settings.retentionMs / 1000],
      );
      total += deleted;
      if (deleted < PRUNE_CHUNK) break;
    }
    return total;
  }

  /** Refreshes ecotrack_outbox_backlog and ecotrack_outbox_oldest_age_seconds. */
  async sampleBacklog(): Promise<{ backlog: number; oldestAgeSeconds: number }> {
    const [row]: { backlog: number; oldest: number }[] = await this.options.dataSource.query(
      `SELECT count(*)::int AS backlog, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest
         FROM outbox WHERE published_at IS NULL`,
    );
    this.metrics.outboxBacklog.set(row.backlog);
    this.metrics.outboxOldestAge.set(row.oldest);
    return { backlog: row.backlog, oldestAgeSeconds: row.oldest };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      this.wakeRequested = false;
      let round: RelayRound | undefined;
      try {
        round = await this.relayOnce();
      } catch (error) {
        this.logger.warn(`outbox round failed (PostgreSQL?): ${describe(error)}`);
      }
      if (round?.failed) {
        this.logger.warn(`publishing failed, ${round.failed.ids.length} message(s) kept for the next round: ${round.failed.error}`);
      }
      const failed = !round || round.failed !== undefined;
      failures = failed ? failures + 1 : 0;
      await this.housekeeping();
      this.completedRounds++;
      if (this.stopping) break;
      if (failed) await this.idle(backoffDelay(failures, this.settings.failureBackoff), false);
      else if (round!.published === 0 || round!.selected < this.settings.batchSize) await this.idle(this.settings.pollIntervalMs, true);
      // else: a full batch went out, more may be waiting: go again at once.
    }
  }

  /** Backlog sampling and pruning, on their own clocks; their failures only cost a log line. */
  private async housekeeping(): Promise<void> {
    const now = Date.now();
    if (now >= this.nextSampleAt) {
      this.nextSampleAt = now + this.settings.sampleIntervalMs;
      await this.sampleBacklog().catch((error) => this.logger.warn(`outbox backlog sample failed: ${describe(error)}`));
    }
    if (now >= this.nextCleanupAt) {
      this.nextCleanupAt = now + this.settings.cleanupIntervalMs;
      await this.prunePublished().catch((error) => this.logger.warn(`outbox pruning failed: ${describe(error)}`));
    }
  }

  private idle(ms: number, wakeable: boolean): Promise<void> {
    if (wakeable && this.wakeRequested) return Promise.resolve();
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.idling = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.idling = { wakeable, end };
    });
  }
}
