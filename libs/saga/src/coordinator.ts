import type { ReplyType } from '@ecotrack/events';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { replyTypesOf, type ReplyPayload, type SagaCommand, type SagaDefinition } from './definition';
import type { SagaMetrics } from './saga-metrics';
import { ACTIVE_STATUSES, begin, decide, DEFAULT_RETRY_LIMITS, failedWhile, type RetryLimits, type SagaDecision, type SagaEvent, type SagaState, type SagaStatus } from './transitions';

/** Writes a command to the outbox inside the caller's transaction and returns the message id. */
export interface SagaCommandSender {
  send(tx: EntityManager, command: SagaCommand, saga: { sagaId: string; sagaName: string }): Promise<string>;
}

/** A participant's reply as the coordinator needs it. */
export interface SagaReply {
  /** The saga instance (the envelope's correlation id). */
  sagaId: string;
  /** The command this answers (the envelope's causation id). */
  inReplyTo: string;
  type: ReplyType;
  payload: ReplyPayload;
}

/**
 * Where participants' replies arrive (the service's consumer and inbox, see InboxReplySource): the
 * coordinator asks for the reply types of every saga it is given, and handles each in the
 * transaction that records it.
 */
export interface SagaReplySource {
  subscribe(topic: string, types: readonly ReplyType[], handle: (tx: EntityManager, reply: SagaReply) => Promise<unknown>): void;
}

/** Another transaction changed the instance first; the caller retries (the reply is redelivered). */
export class SagaConcurrencyError extends Error {}

interface InstanceRow {
  id: string;
  saga_name: string;
  status: SagaStatus;
  step_index: number;
  attempt: number;
  data: unknown;
  awaiting_message_id: string | null;
  failure_reason: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const INSTANCE_COLUMNS = 'id, saga_name, status, step_index, attempt, data, awaiting_message_id, failure_reason, version, created_at, updated_at';

export type ReplyOutcome = 'applied' | 'ignored' | 'unknown-saga';

/** An instance as an operator sees it (see listNeedingAttention, resume). */
export interface SagaInstanceView {
  id: string;
  saga: string;
  status: SagaStatus;
  /** The step it is at, and whether it awaits the step's command (RUNNING) or its compensation (COMPENSATING). */
  step: string;
  phase: 'RUNNING' | 'COMPENSATING' | null;
  /** What it is about: the key of its commands (an order's sagas: the order id). */
  aggregateId: string;
  /** Sends of the awaited command so far. */
  attempt: number;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ResumeOutcome = { outcome: 'resumed'; instance: SagaInstanceView } | { outcome: 'finished'; instance: SagaInstanceView } | { outcome: 'unknown-saga' };

/**
 * Runs saga instances: persists each state change with optimistic locking (version), sends the
 * next command through the outbox in the same transaction, and runs the outcome hooks there too.
 * A crash at any point leaves either the old state with its command not yet sent, or the new
 * state with its command in the outbox: the relay and the timeouts finish the work after a restart.
 */
export interface SagaCoordinatorOptions {
  /**
   * The outbox table the sender writes to. When given, a step's clock starts when its command
   * has left the outbox: while Kafka is down nothing times out, and orders accepted meanwhile
   * complete once it is back instead of being compensated for an outage they never saw.
   */
  outboxTable?: string;
  /** When commands without a way out (retriable steps, compensations) stop being resent: the instance is then FAILED. */
  retryLimits?: RetryLimits;
  /** Where replies come from; registering a saga subscribes to its replies there. Absent: the caller hands them to handleReply. */
  replies?: SagaReplySource;
}

export class SagaCoordinator {
  private readonly sagas = new Map<string, SagaDefinition<unknown>>();
  /** Reply types already subscribed to, per topic: sagas may share replies; each is routed by its saga id. */
  private readonly subscribed = new Map<string, Set<ReplyType>>();

  constructor(
    private readonly sender: SagaCommandSender,
    private readonly metrics?: SagaMetrics,
    private readonly options: SagaCoordinatorOptions = {},
  ) {}

  /** Knows the saga from now on, and takes its replies from its reply topic (when it has a reply source). */
  register<Data>(saga: SagaDefinition<Data>): this {
    const definition = saga as SagaDefinition<unknown>;
    this.sagas.set(saga.name, definition);
    const subscribed = this.subscribed.get(saga.replyTopic) ?? new Set<ReplyType>();
    this.subscribed.set(saga.replyTopic, subscribed);
    const wanted = replyTypesOf(definition).filter((type) => !subscribed.has(type));
    wanted.forEach((type) => subscribed.add(type));
    if (wanted.length > 0) this.options.replies?.subscribe(saga.replyTopic, wanted, (tx, reply) => this.handleReply(tx, reply));
    return this;
  }

  get names(): string[] {
    return [...this.sagas.keys()];
  }

  /** Starts a saga in the caller's transaction (the one that writes the order, say). */
  async start<Data>(tx: EntityManager, sagaName: string, data: Data, sagaId: string = randomUUID()): Promise<string> {
    const saga = this.definition(sagaName);
    const decision = begin(saga, data) as Extract<SagaDecision<unknown>, { action: 'send' }>;
    const messageId = await this.sender.send(tx, decision.command, { sagaId, sagaName });
    await tx.query(
      `INSERT INTO saga_instances (id, saga_name, status, step_index, attempt, data, awaiting_message_id, step_timeout_ms, deadline_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::int, now() + make_interval(secs => $8::int / 1000.0))`,
      [sagaId, sagaName, decision.state.status, decision.state.stepIndex, decision.state.attempt, JSON.stringify(data), messageId, decision.timeoutMs],
    );
    this.metrics?.countStarted(sagaName);
    return sagaId;
  }

  /** Applies a participant's reply, in the transaction that records it in the inbox. */
  async handleReply(tx: EntityManager, reply: SagaReply): Promise<ReplyOutcome> {
    const row = await this.load(tx, reply.sagaId);
    if (!row) {
      await this.undoOrphan(tx, reply);
      return 'unknown-saga';
    }
    if (row.awaiting_message_id !== reply.inReplyTo || !ACTIVE_STATUSES.includes(row.status)) {
      this.metrics?.countIgnoredReply(row.saga_name);
      return 'ignored';
    }
    const applied = await this.apply(tx, row, { kind: 'reply', type: reply.type, payload: reply.payload });
    if (!applied) this.metrics?.countIgnoredReply(row.saga_name);
    return applied ? 'applied' : 'ignored';
  }

  /**
   * A step done for a saga whose instance is gone (see Compensation.orphan): its compensation, built
   * from the reply, goes out under the lost saga's id; the participant's answer to it finds no
   * instance either and ends there.
   */
  private async undoOrphan(tx: EntityManager, reply: SagaReply): Promise<void> {
    for (const saga of this.sagas.values()) {
      const step = saga.steps.find((s) => s.succeeded === reply.type && s.compensation?.orphan);
      if (!step) continue;
      await this.sender.send(tx, step.compensation!.orphan!(reply.payload), { sagaId: reply.sagaId, sagaName: saga.name });
      this.metrics?.countCompensation(saga.name, step.name);
      return;
    }
  }

  /**
   * Handles instances whose reply is overdue: resend, or compensate. Rows are claimed with
   * SKIP LOCKED, so several instances of the service share the work without waiting on each other.
   */
  async expireOverdue(db: DataSource, limit = 50): Promise<number> {
    return db.transaction(async (tx) => {
      const outbox = this.options.outboxTable;
      const unsent = outbox
        ? `AND NOT EXISTS (SELECT 1 FROM ${outbox} o WHERE o.id = saga_instances.awaiting_message_id
             AND (o.published_at IS NULL OR o.published_at + make_interval(secs => saga_instances.step_timeout_ms / 1000.0) > now()))`
        : '';
      const rows: InstanceRow[] = await tx.query(
        `SELECT ${INSTANCE_COLUMNS}
           FROM saga_instances
          WHERE status IN ('RUNNING', 'COMPENSATING') AND deadline_at < now() ${unsent}
          ORDER BY deadline_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      for (const row of rows) {
        const saga = this.definition(row.saga_name);
        this.metrics?.countTimeout(row.saga_name, saga.steps[row.step_index].name);
        await this.apply(tx, row, { kind: 'timeout' });
      }
      return rows.length;
    });
  }

  /**
   * Active instances started longer than `olderThanMs` ago, and failed ones, per saga: for the stuck
   * gauge (and the failed one). By age, not by last change: a saga resending every few minutes is
   * changed each time, and stuck all the same.
   */
  async countStuck(db: DataSource, olderThanMs: number): Promise<Record<string, number>> {
    const rows: { saga_name: string; n: number; failed: number }[] = await db.query(
      `SELECT saga_name, count(*)::int AS n, count(*) FILTER (WHERE status = 'FAILED')::int AS failed FROM saga_instances
        WHERE status = 'FAILED' OR (status IN ('RUNNING', 'COMPENSATING') AND created_at < now() - make_interval(secs => $1))
        GROUP BY saga_name`,
      [olderThanMs / 1000],
    );
    const counts = Object.fromEntries(rows.map((row) => [row.saga_name, row.n]));
    this.metrics?.setStuck(counts, Object.fromEntries(rows.map((row) => [row.saga_name, row.failed])), this.names);
    return counts;
  }

  /** FAILED instances and active ones started longer than `olderThanMs` ago, oldest change first: what an operator looks at. */
  async listNeedingAttention(db: DataSource, olderThanMs: number, limit = 100): Promise<SagaInstanceView[]> {
    const rows: InstanceRow[] = await db.query(
      `SELECT ${INSTANCE_COLUMNS} FROM saga_instances
        WHERE status = 'FAILED' OR (status IN ('RUNNING', 'COMPENSATING') AND created_at < now() - make_interval(secs => $1))
        ORDER BY updated_at LIMIT $2`,
      [olderThanMs / 1000, limit],
    );
    return rows.filter((row) => this.sagas.has(row.saga_name)).map((row) => this.view(row));
  }

  /**
   * An operator's action for an instance nobody answers: sends the command it awaits again (the
   * step's, or its compensation's), attempts counted from 1, and a FAILED instance goes back to
   * what it was doing. Participants are idempotent by business key, so this never acts twice.
   */
  async resume(db: DataSource, sagaId: string): Promise<ResumeOutcome> {
    return db.transaction(async (tx) => {
      const [row]: InstanceRow[] = await tx.query(`SELECT ${INSTANCE_COLUMNS} FROM saga_instances WHERE id = $1 FOR UPDATE`, [sagaId]);
      if (!row || !this.sagas.has(row.saga_name)) return { outcome: 'unknown-saga' };
      if (!(await this.apply(tx, row, { kind: 'resume' }))) return { outcome: 'finished', instance: this.view(row) };
      this.metrics?.countResumed(row.saga_name);
      return { outcome: 'resumed', instance: this.view((await this.load(tx, sagaId))!) };
    });
  }

  private async apply(tx: EntityManager, row: InstanceRow, event: SagaEvent): Promise<boolean> {
    const saga = this.definition(row.saga_name);
    const state: SagaState<unknown> = {
      status: row.status,
      stepIndex: row.step_index,
      attempt: row.attempt,
      data: row.data,
      failureReason: row.failure_reason,
    };
    const decision = decide(saga, state, event, this.options.retryLimits ?? DEFAULT_RETRY_LIMITS);
    if (decision.action === 'ignore') return false;

    let awaiting: string | null = null;
    let timeoutMs: number | null = null;
    if (decision.action === 'send') {
      awaiting = await this.sender.send(tx, decision.command, { sagaId: row.id, sagaName: row.saga_name });
      timeoutMs = decision.timeoutMs;
      const newCompensation = state.status === 'RUNNING' || (state.status === 'COMPENSATING' && decision.state.stepIndex !== state.stepIndex);
      if (decision.state.status === 'COMPENSATING' && event.kind !== 'resume' && newCompensation) {
        this.metrics?.countCompensation(row.saga_name, saga.steps[decision.state.stepIndex].name);
      }
    }
    const finished = decision.action !== 'send';
    // Wrapped in a CTE so the driver returns the rows (a bare UPDATE comes back as [rows, count]).
    const updated: unknown[] = await tx.query(
      `WITH changed AS (UPDATE saga_instances
          SET status = $3, step_index = $4, attempt = $5, data = $6, failure_reason = $7, awaiting_message_id = $8,
              step_timeout_ms = $9::int,
              deadline_at = CASE WHEN $9::int IS NULL THEN NULL ELSE now() + make_interval(secs => $9::int / 1000.0) END,
              finished_at = CASE WHEN $10 THEN now() ELSE NULL END,
              version = version + 1, updated_at = now()
        WHERE id = $1 AND version = $2
        RETURNING id) SELECT id FROM changed`,
      [
        row.id,
        row.version,
        decision.state.status,
        decision.state.stepIndex,
        decision.state.attempt,
        JSON.stringify(decision.state.data),
        decision.state.failureReason,
        awaiting,
        timeoutMs,
        finished,
      ],
    );
    if (updated.length === 0) throw new SagaConcurrencyError(`saga ${row.id} changed concurrently (version ${row.version})`);

    if (decision.action === 'complete') {
      await saga.completed(tx, row.id, decision.state.data);
      this.metrics?.countFinished(row.saga_name, 'completed', row.created_at);
    } else if (decision.action === 'reject') {
      await saga.rejected(tx, row.id, decision.state.data, decision.state.failureReason ?? 'rejected');
      this.metrics?.countFinished(row.saga_name, 'rejected', row.created_at);
    } else if (decision.action === 'fail') {
      this.metrics?.countFinished(row.saga_name, 'failed', row.created_at);
    }
    return true;
  }

  private view(row: InstanceRow): SagaInstanceView {
    const saga = this.definition(row.saga_name);
    const state = { status: row.status, stepIndex: row.step_index, attempt: row.attempt, data: row.data, failureReason: row.failure_reason };
    const phase = ACTIVE_STATUSES.includes(row.status) ? (row.status as 'RUNNING' | 'COMPENSATING') : row.status === 'FAILED' ? failedWhile(saga, state) : null;
    return {
      id: row.id,
      saga: row.saga_name,
      status: row.status,
      step: saga.steps[row.step_index].name,
      phase,
      aggregateId: saga.steps[row.step_index].invoke(row.data).key,
      attempt: row.attempt,
      failureReason: row.failure_reason,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  private async load(tx: EntityManager, id: string): Promise<InstanceRow | undefined> {
    const rows: InstanceRow[] = await tx.query(`SELECT ${INSTANCE_COLUMNS} FROM saga_instances WHERE id = $1`, [id]);
    return rows[0];
  }

  private definition(name: string): SagaDefinition<unknown> {
    const saga = this.sagas.get(name);
    if (!saga) throw new Error(`no saga named ${name} is registered`);
    return saga;
  }
}
