import type { Admin } from 'kafkajs';

/**
 * Topic names (DESIGN.md "Names and numbers"): `<service>.events` for facts,
 * `<service>.commands` for what a service is asked to do, `order.saga.replies`
 * for answers to the saga, and `<topic>.dlq` for what could not be processed.
 * Messages are keyed by aggregate id.
 */
export const topics = {
  user: { events: 'user.events' },
  product: { events: 'product.events', commands: 'product.commands' },
  order: { events: 'order.events', sagaReplies: 'order.saga.replies' },
  payment: { events: 'payment.events', commands: 'payment.commands' },
  notification: { events: 'notification.events' },
} as const;

export const DEAD_LETTER_SUFFIX = '.dlq';

export function deadLetterTopic(topic: string): string {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}

/** Kafka's own rule for topic names. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function assertTopicName(topic: string): void {
  if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new Error(`invalid Kafka topic name "${topic}" (letters, digits, ".", "_", "-"; at most 249)`);
  }
}

export interface TopicSettings {
  /** Partitions of a NEW topic (existing topics are left as they are). Default 3. */
  partitions?: number;
  /** Replicas of a new topic; -1 (default) takes the broker's default.replication.factor. */
  replicationFactor?: number;
}

/**
 * Creates the topics that do not exist yet; returns the ones it created.
 * Idempotent, and safe when several instances start at once: a topic another
 * instance created in the meantime is not an error.
 */
export async function ensureTopics(admin: Admin, wanted: readonly string[], settings: TopicSettings = {}): Promise<string[]> {
  const unique = [...new Set(wanted)];
  unique.forEach(assertTopicName);
  const existing = new Set(await admin.listTopics());
  const missing = unique.filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: settings.partitions ?? 3,
        replicationFactor: settings.replicationFactor ?? -1,
      })),
    });
  } catch (error) {
    // Lost a race with another instance for some of them: fine if they all exist now.
    const now = new Set(await admin.listTopics());
    if (missing.some((topic) => !now.has(topic))) throw error;
  }
  return missing;
}
