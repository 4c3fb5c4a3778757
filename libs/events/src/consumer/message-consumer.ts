import { Logger } from '@nestjs/common';
import type { Span } from '@opentelemetry/api';
import { KafkaJSError, type Admin, type Consumer, type EachMessagePayload, type Kafka, type KafkaMessage } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { EventsMetrics, type ConsumeResult } from '../metrics/events-metrics';
import type { MessagePublisher } from '../outbox/kafka-publisher';
import { backoffDelay, pause, type BackoffPolicy } from '../retry/backoff';
import type { Envelope } from '../schemas/envelope';
import { decodeHeaders, Header } from '../schemas/headers';
import { deadLetterTopic, ensureTopics, type TopicSettings } from '../schemas/topics';
import { parseMessageValue } from '../schemas/validation';
import { inConsumerSpan, MessagingAttribute } from '../tracing/trace-context';
import type { MessageHandler, MessageHandlers } from './message-handlers';
import { isTransientInfrastructureError, NonRetryableMessageError } from './transient-errors';

export interface MessageConsumerSettings {
  /** Handler attempts before the message goes to the dead-letter topic. */
  maxAttempts: number;
  /** Waiting between handler attempts (in process, the partition waits with it). */
  retryBackoff: BackoffPolicy;
  /** Heartbeats go out this often, also while a long handler runs. */
  heartbeatIntervalMs: number;
  /** The broker drops a member it has not heard from for this long. */
  sessionTimeoutMs: number;
  /** Partitions handled at once (order is per partition either way). */
  partitionsConsumedConcurrently: number;
  /** Longest a fetch waits for data; also bounds how long a stop waits for an idle fetch. */
  maxWaitTimeMs: number;
  /** Waiting between attempts to connect and join while Kafka is unreachable. */
  connectBackoff: BackoffPolicy;
  /** How often ecotrack_consumer_lag is refreshed; 0 turns sampling off. */
  lagSampleIntervalMs: number;
  /** For the subscribed topics and their dead-letter topics, created when missing. */
  topicSettings: TopicSettings;
}

/** How long stop() waits to leave the consumer group; see stop(). */
const STOP_TIMEOUT_MS = 3_000;

export const DEFAULT_CONSUMER_SETTINGS: MessageConsumerSettings = {
  maxAttempts: 5,
  retryBackoff: { initialMs: 200, maxMs: 10_000 },
  heartbeatIntervalMs: 3_000,
  sessionTimeoutMs: 30_000,
  partitionsConsumedConcurrently: 3,
  maxWaitTimeMs: 1_000,
  connectBackoff: { initialMs: 500, maxMs: 30_000 },
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

export type ConsumerState = 'idle' | 'connecting' | 'running' | 'stopping' | 'stopped';

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/**
 * A KafkaJSError so kafkajs treats it as a transient stop rather than a handler
 * bug: the message's offset is not committed, the next owner gets it again.
 */
class ConsumerStoppingError extends KafkaJSError {
  constructor() {
    super('consumer stopping: message left for redelivery', { retriable: true });
  }
}

const MAX_ERROR_HEADER = 1_000;
const describe = (error: unknown) => ((error instanceof Error ? error.message : String(error)) || 'unknown error').slice(0, MAX_ERROR_HEADER);

/**
 * Consumes a service's topics, one message at a time per partition:
 *
 *   value → JSON → envelope → registry schema; anything wrong → `<topic>.dlq`
 *   (with error, original-topic/partition/offset headers) and move on: a
 *   poison message never blocks its partition.
 *
 *   valid → ONE transaction: INSERT the inbox row (consumer, message id); if it
 *   was already there this is a redelivery, skip; else run the handler with the
 *   same EntityManager (its effect and its replies through the outbox commit
 *   together with the inbox row, or not at all).
 *
 *   handler throws → retried in process with backoff, then dead-lettered.
 *   PostgreSQL unreachable → waited out without counting attempts.
 *
 * The offset is committed only after that, so nothing is lost; redeliveries
 * (a crash, a rebalance) are absorbed by the inbox. Heartbeats continue while a
 * handler runs. stop() lets the in-flight messages finish, commits, leaves the
 * group. start() returns at once and keeps trying while Kafka is unreachable.
 */
export class MessageConsumer {
  private readonly logger: Logger;
  readonly settings: MessageConsumerSettings;
  readonly groupId: string;
  private readonly metrics: EventsMetrics;
  private readonly admin: Admin;
  private consumer?: Consumer;
  private loop?: Promise<void>;
  private stopping = false;
  private abort = new AbortController();
  private lagTimer?: NodeJS.Timeout;
  private currentState: ConsumerState = 'idle';
  private groupJoins = 0;
  private resolveJoined!: () => void;
  /** Resolves when the consumer has first joined its group (partitions assigned). */
  readonly joined = new Promise<void>((resolve) => (this.resolveJoined = resolve));

  constructor(private readonly options: MessageConsumerOptions) {
    this.settings = { ...DEFAULT_CONSUMER_SETTINGS, ...options.settings };
    this.groupId = options.groupId;
    this.metrics = options.metrics ?? EventsMetrics.for();
    this.admin = options.kafka.admin();
    this.logger = new Logger(`MessageConsumer ${options.groupId}`);
  }

  get state(): ConsumerState {
    return this.currentState;
  }

  /** How often this consumer joined its group: 1 in a quiet life; more after rebalances or lost sessions. */
  get joins(): number {
    return this.groupJoins;
  }

  get topics(): string[] {
    return this.options.topics ?? this.options.handlers.topics;
  }

  /** Connects, creates missing topics, joins and consumes, in the background, retrying until stop(). */
  start(): void {
    if (this.loop || this.currentState === 'running') return;
    if (this.topics.length === 0) throw new Error(`consumer ${this.groupId} has no topics (register a handler first)`);
    this.stopping = false;
    this.abort = new AbortController();
    for (const topic of this.topics) this.metrics.watchTopic(topic);
    this.connectInBackground();
  }

  /** Graceful: no new fetches, in-flight messages finish, offsets committed, group left, connections closed. */
  async stop(): Promise<void> {
    if (this.currentState === 'idle' || this.currentState === 'stopped') {
      // Not consuming, but sampleLag() may have connected the admin client.
      await this.admin.disconnect().catch(() => undefined);
      return;
    }
    this.stopping = true;
    this.currentState = 'stopping';
    this.abort.abort();
    clearInterval(this.lagTimer);
    // Leaving the group waits for a rebalance in progress, which can last a session timeout (a
    // member that died without leaving holds it up). Shutdown has a deadline: past this bound we go
    // anyway; whatever was not committed is delivered again and the inbox drops the repeat.
    let bound: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      bound = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
    });
    const leave = async () => {
      await this.loop;
      const consumer = this.consumer;
      this.consumer = undefined;
      await consumer?.disconnect().catch((error: Error) => this.logger.warn(`disconnect failed: ${error.message}`));
      return 'left' as const;
    };
    if ((await Promise.race([leave(), gaveUp])) === 'timeout') {
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

  private connectInBackground(): void {
    this.currentState = 'connecting';
    this.loop = this.connectLoop().finally(() => {
      this.loop = undefined;
    });
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.connectOnce();
        if (this.stopping) return;
        this.currentState = 'running';
        this.startLagSampling();
        return;
      } catch (error) {
        const consumer = this.consumer;
        this.consumer = undefined;
        await consumer?.disconnect().catch(() => undefined);
        const delay = backoffDelay(attempt, this.settings.connectBackoff);
        this.logger.warn(`cannot consume ${this.topics.join(', ')} yet (attempt ${attempt}): ${describe(error)}; next try in ${delay} ms`);
        if (!(await pause(delay, this.abort.signal))) return;
      }
    }
  }

  private async connectOnce(): Promise<void> {
    await this.admin.connect();
    await ensureTopics(this.admin, [...this.topics, ...this.topics.map(deadLetterTopic)], this.settings.topicSettings);
    const consumer = this.options.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: this.settings.heartbeatIntervalMs,
      maxWaitTimeInMs: this.settings.maxWaitTimeMs,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.groupJoins++;
      this.logger.log(`joined as ${payload.memberId}, assigned ${JSON.stringify(payload.memberAssignment)}`);
      this.resolveJoined();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts itself after retriable errors; after the others it stays down, so start over.
      if (!payload.restart && !this.stopping) {
        this.logger.error(`consumer crashed and will not restart itself: ${payload.error.message}; reconnecting`);
        void this.reconnect(consumer);
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      eachMessage: (payload) => this.onMessage(payload),
    });
  }

  private async reconnect(crashed: Consumer): Promise<void> {
    if (this.stopping || this.loop || this.consumer !== crashed) return;
    this.consumer = undefined;
    clearInterval(this.lagTimer);
    await crashed.disconnect().catch(() => undefined);
    if (!this.stopping) this.connectInBackground();
  }

  private startLagSampling(): void {
    clearInterval(this.lagTimer);
    if (this.settings.lagSampleIntervalMs <= 0) return;
    this.lagTimer = setInterval(() => {
      this.sampleLag().catch((error) => this.logger.debug(`lag sample failed: ${describe(error)}`));
    }, this.settings.lagSampleIntervalMs);
    this.lagTimer.unref();
  }

  private async onMessage({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const headers = decodeHeaders(message.headers);
    // kafkajs heartbeats only between messages; a handler longer than the session timeout would get the member evicted.
    const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), this.settings.heartbeatIntervalMs);
    try {
      const attributes = {
        [MessagingAttribute.partition]: String(partition),
        [MessagingAttribute.consumerGroup]: this.groupId,
        [MessagingAttribute.kafkaOffset]: Number(message.offset),
        ...(message.key ? { [MessagingAttribute.kafkaKey]: message.key.toString() } : {}),
      };
      await inConsumerSpan(topic, headers, attributes, async (span) => {
        const result = await this.process(topic, partition, message, headers, span);
        span.setAttribute(MessagingAttribute.result, result);
      });
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async process(topic: string, partition: number, message: KafkaMessage, headers: Record<string, string>, span: Span): Promise<ConsumeResult> {
    const parsed = parseMessageValue(message.value);
    if (!parsed.ok) {
      await this.deadLetter(topic, partition, message, headers, parsed.error, 0);
      this.metrics.consumed.inc({ topic, type: parsed.type ?? 'unknown', result: 'dead_lettered' });
      return 'dead_lettered';
    }
    const envelope = parsed.envelope;
    span.setAttributes({
      [MessagingAttribute.messageId]: envelope.id,
      [MessagingAttribute.messageType]: envelope.type,
      [MessagingAttribute.messageVersion]: envelope.version,
      ...(envelope.correlationId ? { [MessagingAttribute.conversationId]: envelope.correlationId } : {}),
    });
    const handler = this.options.handlers.find(topic, envelope.type);
    if (!handler) {
      this.metrics.consumed.inc({ topic, type: envelope.type, result: 'ignored' });
      return 'ignored';
    }

    const count = (result: ConsumeResult) => this.metrics.consumed.inc({ topic, type: envelope.type, result });
    let attempt = 1;
    let outages = 0;
    for (;;) {
      try {
        const result = await this.handleOnce(envelope, handler, { topic, partition, offset: message.offset, attempt });
        count(result);
        return result;
      } catch (error) {
        if (this.stopping) throw new ConsumerStoppingError();
        if (isTransientInfrastructureError(error)) {
          outages++;
          const delay = backoffDelay(outages, this.settings.retryBackoff);
          this.logger.warn(`${envelope.type} ${envelope.id}: database unavailable (${describe(error)}); waiting ${delay} ms, attempt not counted`);
          if (!(await pause(delay, this.abort.signal))) throw new ConsumerStoppingError();
          continue;
        }
        if (error instanceof NonRetryableMessageError || attempt >= this.settings.maxAttempts) {
          await this.deadLetter(topic, partition, message, headers, describe(error), attempt);
          count('dead_lettered');
          return 'dead_lettered';
        }
        count('retried');
        const delay = backoffDelay(attempt, this.settings.retryBackoff);
        this.logger.warn(`${envelope.type} ${envelope.id}: attempt ${attempt}/${this.settings.maxAttempts} failed (${describe(error)}); retrying in ${delay} ms`);
        if (!(await pause(delay, this.abort.signal))) throw new ConsumerStoppingError();
        attempt++;
      }
    }
  }

  /** The inbox row and the handler's effect: one transaction. */
  private handleOnce(
    envelope: Envelope,
    handler: MessageHandler,
    where: { topic: string; partition: number; offset: string; attempt: number },
  ): Promise<'processed' | 'duplicate'> {
    return this.options.dataSource.transaction(async (manager) => {
      const claimed: unknown[] = await manager.query(
        `INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING message_id`,
        [this.groupId, envelope.id],
      );
      if (claimed.length === 0) return 'duplicate';
      await handler(envelope, { manager, ...where });
      return 'processed';
    });
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, headers: Record<string, string>, error: string, attempts: number): Promise<void> {
    const target = deadLetterTopic(topic);
    await this.options.deadLetters.publish([
      {
        topic: target,
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: {
              ...headers,
              [Header.error]: error.slice(0, MAX_ERROR_HEADER),
              [Header.originalTopic]: topic,
              [Header.originalPartition]: String(partition),
              [Header.originalOffset]: message.offset,
              [Header.consumerGroup]: this.groupId,
              [Header.attempts]: String(attempts),
              [Header.failedAt]: new Date().toISOString(),
            },
          },
        ],
      },
    ]);
    this.metrics.deadLetters.inc({ topic });
    this.logger.warn(`${topic}[${partition}]@${message.offset} sent to ${target}: ${error}`);
  }
}
