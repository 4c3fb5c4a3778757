import type { Admin, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { type ScratchDatabase, waitUntil } from '@ecotrack/testing';
import { samplePayloads } from './samples';
import { quietLogs, eventsDatabase, testKafka, uniqueTopic } from './support';
import { MessageConsumer } from '../src/consumer/message-consumer';
import { MessageHandlers } from '../src/consumer/message-handlers';
import { EventsMetrics } from '../src/metrics/events-metrics';
import { createPublisherProducer, KafkaPublisher } from '../src/outbox/kafka-publisher';
import { messageHeaders } from '../src/schemas/headers';
import { deadLetterTopic, ensureTopics } from '../src/schemas/topics';
import { createEnvelope } from '../src/schemas/validation';

/**
 * The admin side of kafkajs 2.2.4 against Kafka 4 (which dropped the oldest
 * protocol versions, KIP-896): topic listing and creation, group offsets
 * (OffsetFetch), end offsets (ListOffsets), group deletion.
 */
describe('topics and consumer lag (kafkajs admin against Kafka 4)', () => {
  const kafka = testKafka('topics-and-lag-int-spec');
  const topics: string[] = [];
  const groups: string[] = [];
  let admin: Admin;
  let producer: Producer;
  let database: ScratchDatabase;
  let db: DataSource;

  beforeAll(async () => {
    quietLogs();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    database = await eventsDatabase('lag');
    db = await database.connect('lag');
  }, 60_000);

  afterAll(async () => {
    await admin?.deleteGroups(groups).catch(() => undefined);
    await admin?.deleteTopics({ topics }).catch(() => undefined);
    await Promise.all([admin?.disconnect(), producer?.disconnect()]);
    await database?.drop();
  });

  it('ensureTopics creates what is missing with the configured partitions, and is a no-op the second time (also when run concurrently)', async () => {
    const [a, b] = [uniqueTopic('ensure-a'), uniqueTopic('ensure-b')];
    topics.push(a, b, deadLetterTopic(a));
    const concurrently = await Promise.all([ensureTopics(admin, [a, deadLetterTopic(a)], { partitions: 2 }), ensureTopics(admin, [a, deadLetterTopic(a)], { partitions: 2 })]);
    expect(concurrently.flat().sort()).toEqual(expect.arrayContaining([a, deadLetterTopic(a)]));
    expect(await ensureTopics(admin, [a, b], { partitions: 2, replicationFactor: 1 })).toEqual([b]);
    expect(await ensureTopics(admin, [a, b])).toEqual([]);
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [a, b, deadLetterTopic(a)] });
    expect(metadata.map((t) => [t.name, t.partitions.length]).sort()).toEqual([[a, 2], [b, 2], [deadLetterTopic(a), 2]].sort());
  });

  it('ecotrack_consumer_lag: everything before the first commit, then end offset minus committed offset per partition', async () => {
    const target = uniqueTopic('lag');
    topics.push(target, deadLetterTopic(target));
    await ensureTopics(admin, [target, deadLetterTopic(target)], { partitions: 2, replicationFactor: 1 });
    const send = (count: number) =>
      producer.send({
        topic: target,
        messages: Array.from({ length: count }, () => {
          const envelope = createEnvelope('test-service', { type: 'StockChanged', aggregateId: randomUUID(), payload: samplePayloads.StockChanged() });
          return { key: envelope.aggregateId, value: JSON.stringify(envelope), headers: messageHeaders(envelope) };
        }),
      });
    const groupId = `test-lag-${randomUUID()}`;
    groups.push(groupId);
    const registry = new Registry();
    const processed: string[] = [];
    const publisher = new KafkaPublisher(() => createPublisherProducer(kafka));
    const consumer = new MessageConsumer({
      kafka,
      dataSource: db,
      groupId,
      handlers: new MessageHandlers().on(target, 'StockChanged', async (message) => void processed.push(message.id)),
      deadLetters: publisher,
      metrics: EventsMetrics.for(registry),
      settings: { lagSampleIntervalMs: 0, maxWaitTimeMs: 200 },
    });
    const total = (lags: { lag: number }[]) => lags.reduce((sum, p) => sum + p.lag, 0);
    try {
      await send(4);
      expect(total(await consumer.sampleLag())).toBe(4); // the group has committed nothing yet

      consumer.start();
      await waitUntil('four messages processed', () => processed.length === 4, Boolean, { timeoutMs: 30_000 });
      await consumer.stop(); // commits
      await send(3);

      const lags = await consumer.sampleLag();
      expect(lags.map((l) => l.partition).sort()).toEqual([0, 1]);
      expect(total(lags)).toBe(3);
      const series = (await registry.getSingleMetric('ecotrack_consumer_lag')!.get()).values;
      expect(series.map((s) => s.labels).sort((x, y) => Number(x.partition) - Number(y.partition))).toEqual([
        { group: groupId, topic: target, partition: '0' },
        { group: groupId, topic: target, partition: '1' },
      ]);
      expect(series.reduce((sum, s) => sum + s.value, 0)).toBe(3);
    } finally {
      await consumer.stop();
      await publisher.disconnect();
    }
  }, 60_000);
});
