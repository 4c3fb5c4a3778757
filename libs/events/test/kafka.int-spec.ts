import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';

/**
 * Kafka 4 removed old protocol versions (KIP-896). This proves that kafkajs
 * (the client every service uses) still talks to our broker version: admin,
 * idempotent producer, consumer group join, fetch and offset commit.
 */
describe('kafkajs against the local Kafka broker', () => {
  const kafka = new Kafka({ clientId: 'kafka-roundtrip-test', brokers: (process.env.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.NOTHING });
  const topic = `test.roundtrip.${randomUUID()}`;
  const admin = kafka.admin();

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates a topic, produces keyed messages and consumes them in a group', async () => {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 10 }, (_, i) => ({ key: `order-${i % 3}`, value: JSON.stringify({ n: i }), headers: { traceparent: `t-${i}` } }));
    await producer.send({ topic, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `test-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: EachMessagePayload[] = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async (payload) => {
          received.push(payload);
          if (received.length === sent.length) resolve();
        },
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${received.length} of 10 received`)), 30_000)));
    // Cleared, or the pending timer holds the test process open for 30 s after the run.
    await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
    await consumer.disconnect();

    const values = received.map((m) => JSON.parse(m.message.value!.toString()).n).sort((a, b) => a - b);
    expect(values).toEqual([...Array(10).keys()]);
    // Same key, same partition: per-aggregate ordering holds.
    const partitionsByKey = new Map<string, Set<number>>();
    for (const m of received) {
      const key = m.message.key!.toString();
      partitionsByKey.set(key, (partitionsByKey.get(key) ?? new Set()).add(m.partition));
      expect(m.message.headers?.traceparent?.toString()).toMatch(/^t-\d$/);
    }
    for (const partitions of partitionsByKey.values()) expect(partitions.size).toBe(1);

    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(10);
  }, 60_000);
});
