import { Kafka, logLevel, type Admin } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { waitUntil, within } from './wait';

/** A kafkajs client for a test, on the brokers of the infrastructure (KAFKA_BROKERS), quiet. */
export function testKafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: (process.env.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.NOTHING });
}

/**
 * Sets a (new) group's committed offsets to the current end of those of `topics` that exist: it
 * will see only what comes next, with no race against "latest" being resolved after it joins.
 */
export async function startGroupAtEnd(admin: Admin, groupId: string, topics: readonly string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  for (const topic of topics.filter((name) => existing.has(name))) {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
  }
}

/**
 * A consumer group for this test alone, starting at the current end of the topics. For a consumer
 * whose every message must reach THIS process: in a shared group, another instance of the service
 * (a developer's stack, another suite's child process) may own the partition.
 */
export async function ownGroupAtEnd(prefix: string, topics: readonly string[]): Promise<{ groupId: string; remove(): Promise<void> }> {
  const admin = testKafka(prefix).admin();
  await admin.connect();
  const groupId = `${prefix}-${randomUUID()}`;
  try {
    await startGroupAtEnd(admin, groupId, topics);
  } finally {
    await admin.disconnect();
  }
  return {
    groupId,
    async remove() {
      const cleaner = testKafka(prefix).admin();
      await cleaner.connect();
      await cleaner.deleteGroups([groupId]).catch(() => undefined);
      await cleaner.disconnect();
    },
  };
}

/** What the tests wait on of a service's consumer: its group, and a promise settled once it joined. */
export interface JoiningConsumer {
  groupId: string;
  joined: Promise<unknown>;
}

/**
 * Resolves once a service's consumer has started (`started` gives it from then on; services start
 * theirs once ready) and joined its group; returns the group.
 */
export async function consumerJoined(what: string, started: () => JoiningConsumer | undefined, timeoutMs = 90_000): Promise<string> {
  const consumer = (await waitUntil(`${what} to start its consumer`, started, (value) => value !== undefined, { timeoutMs, intervalMs: 50 }))!;
  await within(consumer.joined, `consumer group ${consumer.groupId} to be joined`, timeoutMs);
  return consumer.groupId;
}
