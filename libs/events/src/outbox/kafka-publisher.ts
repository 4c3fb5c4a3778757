import { Logger } from '@nestjs/common';
import type { Kafka, Producer, TopicMessages } from 'kafkajs';
import '../kafkajs/request-queue-fix'; // before any broker connection: kafkajs would spin while idle

/** Where the relay and the dead-letter path send records; a seam for tests. */
export interface MessagePublisher {
  /** Resolves once every record is acknowledged by all in-sync replicas; rejects if any is not. */
  publish(batch: TopicMessages[]): Promise<void>;
}

export interface PublisherSettings {
  /** kafkajs retries of one send before it fails (and the relay backs off). Default 5. */
  retries?: number;
  maxRetryTimeMs?: number;
}

/**
 * The producer of the relay and of dead letters. Idempotent with one request in
 * flight and acks=-1, so a retried send neither duplicates nor reorders records
 * within a partition. Unlike kafkajs' default for idempotent producers (retry
 * forever), its retries are BOUNDED: a send must fail within seconds so the
 * relay can record the error, release its database transaction and back off
 * (kafkajs logs a warning about this at creation; the outbox, not the producer,
 * is what guarantees delivery, and consumers deduplicate).
 */
export function createPublisherProducer(kafka: Kafka, settings: PublisherSettings = {}): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: settings.retries ?? 5, initialRetryTime: 300, maxRetryTime: settings.maxRetryTimeMs ?? 5_000 },
  });
}

/**
 * Connects lazily (the first publish, and again after a failure), so a broker
 * that is down at start-up only delays publishing. After a failed send the
 * producer is replaced: a fresh producer id means no sequence-number state
 * from an ambiguous failure can wedge later sends.
 */
export class KafkaPublisher implements MessagePublisher {
  private readonly logger = new Logger('KafkaPublisher');
  private producer?: Producer;
  private connecting?: Promise<Producer>;

  constructor(private readonly createProducer: () => Producer) {}

  async publish(batch: TopicMessages[]): Promise<void> {
    const producer = await this.connected();
    try {
      await producer.sendBatch({ topicMessages: batch, acks: -1 });
    } catch (error) {
      if (this.producer === producer) await this.discard();
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    await this.connecting?.catch(() => undefined);
    await this.discard();
  }

  private connected(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const producer = this.createProducer();
      try {
        await producer.connect();
      } catch (error) {
        await producer.disconnect().catch(() => undefined);
        throw error;
      }
      this.producer = producer;
      return producer;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async discard(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch((error: Error) => this.logger.warn(`producer disconnect failed: ${error.message}`));
  }
}
