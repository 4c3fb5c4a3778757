import type { Logger } from '@nestjs/common';
import type { Span } from '@opentelemetry/api';
import { KafkaJSError, type EachMessagePayload, type KafkaMessage } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { ConsumeResult, EventsMetrics } from '../metrics/events-metrics';
import type { MessagePublisher } from '../outbox/kafka-publisher';
import { backoffDelay, pause, type BackoffPolicy } from '../retry/backoff';
import type { Envelope } from '../schemas/envelope';
import { decodeHeaders, Header } from '../schemas/headers';
import { deadLetterTopic } from '../schemas/topics';
import { parseMessageValue } from '../schemas/validation';
import { inConsumerSpan, MessagingAttribute } from '../tracing/trace-context';
import type { MessageHandler, MessageHandlers } from './message-handlers';
import { isTransientInfrastructureError, NonRetryableMessageError } from './transient-errors';

export interface ProcessingSettings {
  /** Handler attempts before the message goes to the dead-letter topic. */
  maxAttempts: number;
  /** Waiting between handler attempts (in process, the partition waits with it). */
  retryBackoff: BackoffPolicy;
  /** Heartbeats go out this often, also while a long handler runs. */
  heartbeatIntervalMs: number;
}

export interface ProcessingContext {
  /** The consumer group; also the inbox's `consumer` column. */
  groupId: string;
  dataSource: DataSource;
  handlers: MessageHandlers;
  deadLetters: MessagePublisher;
  metrics: EventsMetrics;
  settings: ProcessingSettings;
  logger: Logger;
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
export const describeError = (error: unknown) => ((error instanceof Error ? error.message : String(error)) || 'unknown error').slice(0, MAX_ERROR_HEADER);

/**
 * What one consumed message goes through:
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
 * Heartbeats continue while a handler runs. Once `stopped` aborts, waits end and
 * the message is left for redelivery (its offset is not committed).
 */
export class MessageProcessor {
  constructor(
    private readonly context: ProcessingContext,
    private readonly stopped: AbortSignal,
  ) {}

  /** kafkajs's eachMessage: resolves once the message is done with (processed, a duplicate, ignored or dead-lettered). */
  async handle({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const headers = decodeHeaders(message.headers);
    // kafkajs heartbeats only between messages; a handler longer than the session timeout would get the member evicted.
    const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), this.context.settings.heartbeatIntervalMs);
    try {
      const attributes = {
        [MessagingAttribute.partition]: String(partition),
        [MessagingAttribute.consumerGroup]: this.context.groupId,
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
      this.context.metrics.consumed.inc({ topic, type: parsed.type ?? 'unknown', result: 'dead_lettered' });
      return 'dead_lettered';
    }
    const envelope = parsed.envelope;
    span.setAttributes({
      [MessagingAttribute.messageId]: envelope.id,
      [MessagingAttribute.messageType]: envelope.type,
      [MessagingAttribute.messageVersion]: envelope.version,
      ...(envelope.correlationId ? { [MessagingAttribute.conversationId]: envelope.correlationId } : {}),
    });
    const handler = this.context.handlers.find(topic, envelope.type);
    if (!handler) {
      this.context.metrics.consumed.inc({ topic, type: envelope.type, result: 'ignored' });
      return 'ignored';
    }

    const count = (result: ConsumeResult) => this.context.metrics.consumed.inc({ topic, type: envelope.type, result });
    let attempt = 1;
    let outages = 0;
    for (;;) {
      try {
        const result = await this.handleOnce(envelope, handler, { topic, partition, offset: message.offset, attempt });
        count(result);
        return result;
      } catch (error) {
        if (this.stopped.aborted) throw new ConsumerStoppingError();
        if (isTransientInfrastructureError(error)) {
          outages++;
          const delay = backoffDelay(outages, this.context.settings.retryBackoff);
          this.context.logger.warn(`${envelope.type} ${envelope.id}: database unavailable (${describeError(error)}); waiting ${delay} ms, attempt not counted`);
          if (!(await pause(delay, this.stopped))) throw new ConsumerStoppingError();
          continue;
        }
        if (error instanceof NonRetryableMessageError || attempt >= this.context.settings.maxAttempts) {
          await this.deadLetter(topic, partition, message, headers, describeError(error), attempt);
          count('dead_lettered');
          return 'dead_lettered';
        }
        count('retried');
        const delay = backoffDelay(attempt, this.context.settings.retryBackoff);
        this.context.logger.warn(`${envelope.type} ${envelope.id}: attempt ${attempt}/${this.context.settings.maxAttempts} failed (${describeError(error)}); retrying in ${delay} ms`);
        if (!(await pause(delay, this.stopped))) throw new ConsumerStoppingError();
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
    return this.context.dataSource.transaction(async (manager) => {
      const claimed: unknown[] = await manager.query(
        `INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING message_id`,
        [this.context.groupId, envelope.id],
      );
      if (claimed.length === 0) return 'duplicate';
      await handler(envelope, { manager, ...where });
      return 'processed';
    });
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, headers: Record<string, string>, error: string, attempts: number): Promise<void> {
    const target = deadLetterTopic(topic);
    await this.context.deadLetters.publish([
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
              [Header.consumerGroup]: this.context.groupId,
              [Header.attempts]: String(attempts),
              [Header.failedAt]: new Date().toISOString(),
            },
          },
        ],
      },
    ]);
    this.context.metrics.deadLetters.inc({ topic });
    this.context.logger.warn(`${topic}[${partition}]@${message.offset} sent to ${target}: ${error}`);
  }
}
