import { z } from 'zod';
import type { MessageConsumerSettings } from './consumer/message-consumer';
import type { OutboxRelaySettings } from './outbox/outbox-relay';
import type { TopicSettings } from './schemas/topics';

const millis = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/**
 * The messaging variables, validated at start-up with the platform's: a
 * service spreads this into its config extension (like jwtVerificationConfig).
 * A service that does not gets the defaults.
 */
export const eventsConfig = {
  /** Partitions of topics this service creates (existing topics are not changed). */
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3),
  /** Replicas of topics this service creates; -1 = the broker's default.replication.factor. */
  KAFKA_TOPIC_REPLICATION_FACTOR: z.coerce.number().int().min(-1).max(10).default(-1),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  OUTBOX_POLL_INTERVAL_MS: millis(1_000),
  /** Published outbox rows are kept this long, then deleted. */
  OUTBOX_RETENTION_MS: millis(24 * 3600_000),
  /** Handler attempts before a message goes to its dead-letter topic. */
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  CONSUMER_RETRY_MAX_DELAY_MS: millis(10_000),
  CONSUMER_LAG_SAMPLE_INTERVAL_MS: millis(15_000),
  /** Longest wait before a consumer that ended (crashed, stopped, could not join) is started anew; the wait doubles from 500 ms. */
  CONSUMER_RESTART_MAX_DELAY_MS: z.coerce.number().int().min(500).default(30_000),
  /** After having joined, how long a consumer may be out of its group before readiness answers 503. */
  CONSUMER_READINESS_GRACE_MS: millis(60_000),
  /** Inbox rows (processed message ids) are kept this long; longer than any redelivery can be late. */
  INBOX_RETENTION_MS: millis(14 * 24 * 3600_000),
};

const eventsConfigSchema = z.object(eventsConfig);

export interface EventsSettings {
  relay: Partial<OutboxRelaySettings>;
  consumer: Partial<MessageConsumerSettings>;
  topics: TopicSettings;
  inboxRetentionMs: number;
}

/** The settings from the validated configuration (or the environment's defaults where it has none). */
export function eventsSettingsFrom(config: Record<string, unknown>): EventsSettings {
  const known = Object.fromEntries(Object.keys(eventsConfig).filter((key) => config[key] !== undefined).map((key) => [key, config[key]]));
  const values = eventsConfigSchema.parse(known);
  const topics = { partitions: values.KAFKA_TOPIC_PARTITIONS, replicationFactor: values.KAFKA_TOPIC_REPLICATION_FACTOR };
  return {
    relay: { batchSize: values.OUTBOX_BATCH_SIZE, pollIntervalMs: values.OUTBOX_POLL_INTERVAL_MS, retentionMs: values.OUTBOX_RETENTION_MS },
    consumer: {
      maxAttempts: values.CONSUMER_MAX_ATTEMPTS,
      retryBackoff: { initialMs: 200, maxMs: values.CONSUMER_RETRY_MAX_DELAY_MS },
      lagSampleIntervalMs: values.CONSUMER_LAG_SAMPLE_INTERVAL_MS,
      restartBackoff: { initialMs: 500, maxMs: values.CONSUMER_RESTART_MAX_DELAY_MS },
      readinessGraceMs: values.CONSUMER_READINESS_GRACE_MS,
      topicSettings: topics,
    },
    topics,
    inboxRetentionMs: values.INBOX_RETENTION_MS,
  };
}
