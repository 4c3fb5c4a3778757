import { Logger } from '@nestjs/common';
import type { DependencyCheck } from '@ecotrack/core';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import '../kafkajs/request-queue-fix'; // before any broker connection: kafkajs would spin while idle
import { EventsMetrics, type RestartReason } from '../metrics/events-metrics';
import type { MessagePublisher } from '../outbox/kafka-publisher';
import { backoffDelay, pause, type BackoffPolicy } from '../retry/backoff';
import { deadLetterTopic, ensureTopics, type TopicSettings } from '../schemas/topics';
import { GroupMembership } from './group-membership';
import { handleInKeyLanes } from './key-lanes';
import type { MessageHandlers } from './message-handlers';
import { describeError, MessageProcessor, type ProcessingSettings } from './message-processor';

export interface MessageConsumerSettings extends ProcessingSettings {
  /** The broker drops a member it has not heard from for this long. */
  sessionTimeoutMs: number;
  /** Partitions handled at once. */
  partitionsConsumedConcurrently: number;
  /** Within a partition's fetched batch, keys handled at once (each key's messages stay in order). */
  keysConsumedConcurrently: number;
  /** Longest a fetch waits for data; also bounds how long a stop waits for an idle fetch. */
  maxWaitTimeMs: number;
  /** Waiting before each restart (the consumer stopped, crashed, or could not connect and join); grows with each restart. */
  restartBackoff: BackoffPolicy;
  /** In its group this long, the consumer counts as healthy: the next restart waits the initial delay again. */
  healthyAfterMs: number;
  /** After having joined, how long the consumer may be out of its group before readiness says no. */
  readinessGraceMs: number;
  /** How often ecotrack_consumer_lag is refreshed; 0 turns sampling off. */
  lagSampleIntervalMs: number;
  /** For the subscribed topics and their dead-letter topics, created when missing. */
  topicSettings: TopicSettings;
}

/** How long stop() waits to leave the consumer group; see stop(). */
const STOP_TIMEOUT_MS = 3_000;
/** kafkajs stops and disconnects a crashing consumer before it reports the crash: how long a stop waits for that report. */
const CRASH_REPORT_WAIT_MS = 1_000;
/** kafkajs's own retries of one operation (a fetch, a join) before it gives up and crashes. */
const CONSUMER_RETRIES = 5;

export const DEFAULT_CONSUMER_SETTINGS: MessageConsumerSettings = {
  maxAttempts: 5,
  retryBackoff: { initialMs: 200, maxMs: 10_000 },
  heartbeatIntervalMs: 3_000,
  sessionTimeoutMs: 30_000,
  partitionsConsumedConcurrently: 3,
  // With the partitions above, at most 9 handler transactions at once: within the default pool of 10.
  keysConsumedConcurrently: 3,
  maxWaitTimeMs: 1_000,
  restartBackoff: { initialMs: 500, maxMs: 30_000 },
  healthyAfterMs: 60_000,
  // kafkajs's rebalance timeout: the longest a normal rebalance waits for the group's members.
  readinessGraceMs: 60_000,
  lagSampleIntervalMs: 15_000,
  topicSettings: {},
};

export interface MessageConsumerOptions {
  kafka: Kafka;
  dataSource: DataSource;
  /** The consumer group; also the inbox's `consumer` column. */
  groupId: string;
  handlers: MessageHandlers;
  /** Subscribed topics; default: every topic that has a handler. */
  topics?: string[];
  /** Where unprocessable messages go (`<topic>.dlq`). */
  deadLetters: MessagePublisher;
  metrics?: EventsMetrics;
  settings?: Partial<MessageConsumerSettings>;
}

/** connecting: not consuming yet, or again (joining, or waiting to restart). */
export type ConsumerState = 'idle' | 'connecting' | 'running' | 'stopping' | 'stopped';

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/** Why one kafkajs consumer ended: a restart reason, or our own stop(). */
interface Ending {
  reason: RestartReason | 'shutdown';
  error?: unknown;
}

/** One kafkajs consumer from creation to its end. A restart makes a new one: nothing of a dead one is reused. */
interface Incarnation {
  readonly consumer: Consumer;
  /** Resolves with the first reason it ended for. */
  readonly ended: Promise<Ending>;
  /** Set by the first end(): from then on its events change nothing and its start sequence gives up. */
  over: boolean;
  end(ending: Ending): void;
  /** connect, subscribe, run; never rejects (a failure ends the incarnation). */
  starting: Promise<void>;
  readonly unlisten: (() => void)[];
}

/**
 * Consumes a service's topics, one message at a time per key (several keys of a
 * partition side by side, see handleInKeyLanes), each message through MessageProcessor (validation, dead letters, the inbox, retries). The
 * offset is committed only after that, so nothing is lost; redeliveries (a crash,
 * a rebalance) are absorbed by the inbox. stop() lets the in-flight messages
 * finish, commits, leaves the group.
 *
 * It always comes back: start() returns at once and one supervisor (supervise())
 * owns the kafkajs consumer's whole life. Whenever that consumer ends, for any
 * reason and at any moment (it cannot connect or join, it crashes during its
 * first join, a rebalance or later, with or without kafkajs's restart flag, or
 * something stops it), the supervisor discards it and starts a new one after a
 * backoff, without limit, until stop(). kafkajs's own restarting is turned off,
 * so nothing else restarts it behind the supervisor's back. Each restart is
 * counted (ecotrack_consumer_restarts_total{group,reason}); whether it is in its
 * group is a gauge (ecotrack_consumer_in_group) and its readiness check (see
 * GroupMembership).
 */
export class MessageConsumer {
  private readonly logger: Logger;
  readonly settings: MessageConsumerSettings;
  readonly groupId: string;
  private readonly metrics: EventsMetrics;
  private readonly admin: Admin;
  private readonly membership: GroupMembership;
  private supervision?: Promise<void>;
  private current?: Incarnation;
  private stopping = false;
  private abort = new AbortController();
  private processor?: MessageProcessor;
  private lagTimer?: NodeJS.Timeout;
  private currentState: ConsumerState = 'idle';
  private groupJoins = 0;
  private restartCount = 0;
  private resolveJoined!: () => void;
  /** Resolves when the consumer has first joined its group (partitions assigned). */
  readonly joined = new Promise<void>((resolve) => (this.resolveJoined = resolve));
  /**
   * For the service's DependencyRegistry: ready once the consumer joined its group, and while it
   * is in it or has been out for less than readinessGraceMs. Only readiness looks at it: the
   * consumer starts once the service is ready, start-up cannot wait for it.
   */
  readonly readiness: DependencyCheck;

  constructor(private readonly options: MessageConsumerOptions) {
    this.settings = { ...DEFAULT_CONSUMER_SETTINGS, ...options.settings };
    this.groupId = options.groupId;
    this.metrics = options.metrics ?? EventsMetrics.for();
    this.admin = options.kafka.admin();
    this.logger = new Logger(`MessageConsumer ${options.groupId}`);
    this.membership = new GroupMembership(this.groupId, { graceMs: this.settings.readinessGraceMs, healthyAfterMs: this.settings.healthyAfterMs });
    this.readiness = { name: `consumer:${this.groupId}`, readinessOnly: true, check: async () => this.membership.verdict() };
  }

  get state(): ConsumerState {
    return this.currentState;
  }

  /** How often this consumer joined its group: 1 in a quiet life; more after rebalances, lost sessions or restarts. */
  get joins(): number {
    return this.groupJoins;
  }

  /** How often the supervisor started a new kafkajs consumer after the previous one ended. */
  get restarts(): number {
    return this.restartCount;
  }

  /** In its group right now (partitions assigned, no rebalance under way). */
  get inGroup(): boolean {
    return this.membership.inGroup;
  }

  get topics(): string[] {
    return this.options.topics ?? this.options.handlers.topics;
  }

  /** Connects, creates missing topics, joins and consumes, in the background, coming back after any stop until stop(). */
  start(): void {
    if (this.supervision) return;
    if (this.topics.length === 0) throw new Error(`consumer ${this.groupId} has no topics (register a handler first)`);
    this.stopping = false;
    this.abort = new AbortController();
    this.processor = new MessageProcessor({ ...this.options, settings: this.settings, metrics: this.metrics, logger: this.logger }, this.abort.signal);
    for (const topic of this.topics) this.metrics.watchTopic(topic);
    this.metrics.watchConsumer(this.groupId);
    this.supervision = this.supervise().finally(() => (this.supervision = undefined));
  }

  /** Graceful: no new fetches, in-flight messages finish, offsets committed, group left, connections closed. */
  async stop(): Promise<void> {
    const supervision = this.supervision;
    if (!supervision) {
      // Not consuming, but sampleLag() may have connected the admin client.
      await this.admin.disconnect().catch(() => undefined);
      return;
    }
    this.stopping = true;
    this.currentState = 'stopping';
    this.abort.abort();
    clearInterval(this.lagTimer);
    this.lagTimer = undefined;
    this.current?.end({ reason: 'shutdown' });
    // Leaving the group waits for a rebalance in progress, which can last a session timeout (a
    // member that died without leaving holds it up). Shutdown has a deadline: past this bound we go
    // anyway; whatever was not committed is delivered again and the inbox drops the repeat.
    let bound: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      bound = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
    });
    if ((await Promise.race([supervision.then(() => 'left' as const), gaveUp])) === 'timeout') {
      this.logger.warn(`leaving group ${this.groupId} took over ${STOP_TIMEOUT_MS} ms; stopping without waiting (uncommitted messages will be redelivered)`);
    }
    clearTimeout(bound);
    await this.admin.disconnect().catch(() => undefined);
    this.currentState = 'stopped';
  }

  /** Refreshes ecotrack_consumer_lag: end offset minus committed offset, per partition of the subscribed topics. */
  async sampleLag(): Promise<PartitionLag[]> {
    await this.admin.connect();
    const committed = await this.admin.fetchOffsets({ groupId: this.groupId, topics: this.topics });
    const lags: PartitionLag[] = [];
    for (const { topic, partitions } of committed) {
      for (const end of await this.admin.fetchTopicOffsets(topic)) {
        const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
        // No commit yet: everything still retained is unconsumed.
        const lag = Math.max(0, Number(end.high) - (offset >= 0 ? offset : Number(end.low)));
        this.metrics.consumerLag.set({ group: this.groupId, topic, partition: String(end.partition) }, lag);
        lags.push({ topic, partition: end.partition, lag });
      }
    }
    return lags;
  }

  /** The one owner of restarts: a kafkajs consumer at a time, a new one after each end, until stop(). */
  private async supervise(): Promise<void> {
    let failures = 0;
    for (;;) {
      this.currentState = 'connecting';
      const lastingBefore = this.membership.lasting;
      const life = this.incarnate();
      const ending = await life.ended;
      this.outOfGroup(ending.error);
      await this.retire(life);
      if (ending.reason === 'shutdown' || this.stopping) return;

      // A consumer that was healthy for a while before it ended starts over with the shortest wait.
      failures = this.membership.lasting > lastingBefore ? 1 : failures + 1;
      const delay = backoffDelay(failures, this.settings.restartBackoff);
      this.logger[ending.reason === 'connect_failed' ? 'warn' : 'error'](`${this.explain(ending)}; restarting in ${delay} ms (restart ${failures} in a row)`);
      if (!(await pause(delay, this.abort.signal)) || this.stopping) return;
      this.restartCount++;
      this.metrics.consumerRestarts.inc({ group: this.groupId, reason: ending.reason });
    }
  }

  private explain({ reason, error }: Ending): string {
    if (reason === 'connect_failed') return `cannot consume ${this.topics.join(', ')} yet: ${describeError(error)}`;
    if (reason === 'crash') return `consumer crashed: ${describeError(error)}`;
    return 'consumer stopped without being asked to';
  }

  /** A new kafkajs consumer, started in the background; its end (any of them) resolves `ended`. */
  private incarnate(): Incarnation {
    const consumer = this.options.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: this.settings.heartbeatIntervalMs,
      maxWaitTimeInMs: this.settings.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      // supervise() is the one restarter: kafkajs restarting the same consumer too would race it.
      retry: { retries: CONSUMER_RETRIES, restartOnFailure: async () => false },
    });
    let resolve!: (ending: Ending) => void;
    const life: Incarnation = {
      consumer,
      ended: new Promise<Ending>((r) => (resolve = r)),
      over: false,
      end: (ending) => {
        if (life.over) return;
        life.over = true;
        resolve(ending);
      },
      starting: Promise.resolve(),
      unlisten: [],
    };
    life.unlisten.push(
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        if (life.over) return;
        this.groupJoins++;
        this.membership.joined();
        this.metrics.consumerInGroup.set({ group: this.groupId }, 1);
        this.logger.log(`joined as ${payload.memberId}, assigned ${JSON.stringify(payload.memberAssignment)}`);
        this.resolveJoined();
      }),
      consumer.on(consumer.events.REBALANCING, () => {
        if (!life.over) this.outOfGroup();
      }),
      // With restartOnFailure off, kafkajs reports every crash with restart: false and leaves the consumer down.
      consumer.on(consumer.events.CRASH, ({ payload }) => life.end({ reason: 'crash', error: payload.error })),
    );
    // A crashing kafkajs consumer stops and disconnects first, then reports the crash; a stop or
    // disconnect not followed by that report is a stop nobody here asked for.
    const stoppedBehindOurBack = () => {
      if (life.over) return;
      this.outOfGroup();
      setTimeout(() => life.end({ reason: 'stopped' }), CRASH_REPORT_WAIT_MS).unref();
    };
    life.unlisten.push(consumer.on(consumer.events.STOP, stoppedBehindOurBack), consumer.on(consumer.events.DISCONNECT, stoppedBehindOurBack));
    this.current = life;
    life.starting = this.startConsuming(life).catch((error: unknown) => life.end({ reason: 'connect_failed', error }));
    return life;
  }

  /** Topics, connect, subscribe, run (which joins the group); each step only while the incarnation is not over. */
  private async startConsuming(life: Incarnation): Promise<void> {
    await this.admin.connect();
    await ensureTopics(this.admin, [...this.topics, ...this.topics.map(deadLetterTopic)], this.settings.topicSettings);
    if (life.over) return;
    await life.consumer.connect();
    if (life.over) return;
    await life.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    if (life.over) return;
    // Resolves also when the first join crashed (kafkajs reports that as CRASH): hence the check after it.
    await life.consumer.run({
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      // Offsets are resolved by consumeBatch: only as far as every message is done.
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.consumeBatch(payload),
    });
    if (life.over) return;
    this.currentState = 'running';
    if (!this.lagTimer) this.startLagSampling();
  }

  /**
   * A partition's batch, keys side by side (see handleInKeyLanes), each message through the
   * processor. The offset is resolved (and committed) only through the last message before the
   * first one not done; after an error kafkajs fetches again from there.
   */
  private async consumeBatch({ batch, resolveOffset, heartbeat, pause, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const outcome = await handleInKeyLanes(
      batch.messages,
      this.settings.keysConsumedConcurrently,
      (message) => this.processor!.handle({ topic, partition, message, heartbeat, pause }),
      () => isRunning() && !isStale(),
    );
    if (outcome.doneThrough !== undefined) resolveOffset(outcome.doneThrough);
    if (outcome.error !== undefined) throw outcome.error;
    await commitOffsetsIfNecessary();
    await heartbeat();
  }

  private outOfGroup(error?: unknown): void {
    this.membership.left(error);
    this.metrics.consumerInGroup.set({ group: this.groupId }, 0);
  }

  /** Takes an ended incarnation down for good: it leaves the group if it still is in, and its events stop counting. */
  private async retire(life: Incarnation): Promise<void> {
    await life.consumer.disconnect().catch((error: unknown) => this.logger.warn(`disconnect failed: ${describeError(error)}`));
    // Its start sequence gives up at its next step; whatever that step connected meanwhile is closed too.
    await life.starting;
    await life.consumer.disconnect().catch(() => undefined);
    for (const unlisten of life.unlisten) unlisten();
  }

  /** The first sample at once, so the lag is known from the moment the consumer runs (not one interval later), then every interval. */
  private startLagSampling(): void {
    clearInterval(this.lagTimer);
    if (this.settings.lagSampleIntervalMs <= 0) return;
    const sample = () => void this.sampleLag().catch((error) => this.logger.debug(`lag sample failed: ${describeError(error)}`));
    this.lagTimer = setInterval(sample, this.settings.lagSampleIntervalMs);
    this.lagTimer.unref();
    sample();
  }
}
