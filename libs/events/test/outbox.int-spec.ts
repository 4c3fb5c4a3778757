import { SpanKind, trace } from '@opentelemetry/api';
import type { Admin } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { freePort, type ScratchDatabase, waitUntil } from '@ecotrack/testing';
import { samplePayloads } from './samples';
import {
  brokers,
  createTopics,
  quietLogs,
  readTopic,
  eventsDatabase,
  startTcpProxy,
  startTestTracing,
  testKafka,
  uniqueTopic,
} from './support';
import { MessageConsumer } from '../src/consumer/message-consumer';
import { MessageHandlers } from '../src/consumer/message-handlers';
import { EventsMetrics } from '../src/metrics/events-metrics';
import { createPublisherProducer, KafkaPublisher, type MessagePublisher } from '../src/outbox/kafka-publisher';
import { OutboxCommitSignal } from '../src/outbox/outbox-commit-signal';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { OutboxWriter } from '../src/outbox/outbox-writer';
import { deadLetterTopic } from '../src/schemas/topics';
import { MessageValidationError } from '../src/schemas/validation';

const unpublished = async (db: DataSource) => (await db.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`))[0].n as number;

describe('transactional outbox and relay (real PostgreSQL and Kafka)', () => {
  const kafka = testKafka('outbox-int-spec');
  const topics: string[] = [];
  let database: ScratchDatabase;
  let db: DataSource;
  let admin: Admin;

  beforeAll(async () => {
    quietLogs();
    database = await eventsDatabase('outbox');
    db = await database.connect('order-service');
    admin = kafka.admin();
    await admin.connect();
  }, 60_000);

  afterAll(async () => {
    await admin?.deleteTopics({ topics }).catch(() => undefined);
    await admin?.disconnect();
    await database?.drop();
  });

  async function topic(name: string, partitions = 3): Promise<string> {
    const created = uniqueTopic(name);
    topics.push(created, deadLetterTopic(created));
    await createTopics(admin, [created, deadLetterTopic(created)], partitions);
    return created;
  }

  describe('(a) a message exists on Kafka exactly when its transaction committed, in the trace that wrote it', () => {
    let tracing: ReturnType<typeof startTestTracing>;
    beforeAll(() => (tracing = startTestTracing()));
    afterAll(() => tracing.stop());

    it('rolled back: never published; committed: published once, right after the commit, and the handler runs in the same trace', async () => {
      const target = await topic('commit');
      const signal = new OutboxCommitSignal();
      const writer = new OutboxWriter('order-service', signal);
      const publisher = new KafkaPublisher(() => createPublisherProducer(kafka));
      // Polling every 10 minutes: only the commit signal can make it publish within the test.
      const relay = new OutboxRelay({ dataSource: db, publisher, signal, settings: { pollIntervalMs: 600_000 } });
      const handlers = new MessageHandlers();
      const seen: { id: string; traceId?: string; spanId?: string }[] = [];
      handlers.on(target, 'OrderPlaced', async (message) => {
        const active = trace.getActiveSpan()?.spanContext();
        seen.push({ id: message.id, traceId: active?.traceId, spanId: active?.spanId });
      });
      const groupId = `test-commit-${randomUUID()}`;
      const consumer = new MessageConsumer({ kafka, dataSource: db, groupId, handlers, deadLetters: publisher, settings: { lagSampleIntervalMs: 0 } });
      try {
        relay.start();
        consumer.start();
        await waitUntil('the relay to finish its first (empty) round', () => relay.rounds >= 1, Boolean, { timeoutMs: 30_000 });

        const orderId = randomUUID();
        let rolledBack = '';
        let writerSpan = { traceId: '', spanId: '' };
        const committed = await trace.getTracer('test').startActiveSpan('POST /v1/orders', async (span) => {
          writerSpan = span.spanContext();
          await expect(
            db.transaction(async (tx) => {
              rolledBack = (await writer.write(tx, { topic: target, type: 'OrderPlaced', aggregateId: orderId, payload: samplePayloads.OrderPlaced() })).id;
              throw new Error('the order could not be saved');
            }),
          ).rejects.toThrow('the order could not be saved');
          const envelope = await db.transaction((tx) => writer.write(tx, { topic: target, type: 'OrderPlaced', aggregateId: orderId, payload: samplePayloads.OrderPlaced() }));
          span.end();
          return envelope;
        });

        await waitUntil('the committed message to reach the handler', () => seen.length >= 1, Boolean, { timeoutMs: 20_000 });
        expect(seen).toEqual([{ id: committed.id, traceId: writerSpan.traceId, spanId: expect.any(String) }]);

        const onTopic = await readTopic(kafka, target);
        expect(onTopic.map((m) => m.headers['message-id'])).toEqual([committed.id]);
        expect(onTopic[0].key).toBe(orderId);
        expect(onTopic[0].headers.traceparent).toContain(writerSpan.traceId);
        expect(JSON.parse(onTopic[0].value!)).toMatchObject({ id: committed.id, type: 'OrderPlaced', version: 1, source: 'order-service', aggregateId: orderId });
        expect(await db.query(`SELECT id FROM outbox WHERE id = $1`, [rolledBack])).toEqual([]);
        const [row] = await db.query(`SELECT published_at, attempts FROM outbox WHERE id = $1`, [committed.id]);
        expect(row.published_at).toBeInstanceOf(Date);
        expect(row.attempts).toBe(0);

        // The handler's span: CONSUMER, a child of the span that wrote the message, with messaging attributes.
        const consumerSpan = tracing.exporter.getFinishedSpans().find((span) => span.spanContext().spanId === seen[0].spanId);
        expect(consumerSpan).toBeDefined();
        expect(consumerSpan!.kind).toBe(SpanKind.CONSUMER);
        expect(consumerSpan!.name).toBe(`process ${target}`);
        expect(consumerSpan!.parentSpanContext?.spanId).toBe(writerSpan.spanId);
        expect(consumerSpan!.attributes).toMatchObject({
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': target,
          'messaging.consumer.group.name': groupId,
          'messaging.message.id': committed.id,
          'ecotrack.message.type': 'OrderPlaced',
          'ecotrack.message.result': 'processed',
        });
      } finally {
        await consumer.stop();
        await relay.stop();
        await publisher.disconnect();
        await admin.deleteGroups([groupId]).catch(() => undefined);
      }
    }, 60_000);
  });

  describe('the writer', () => {
    const writer = new OutboxWriter('order-service');

    it('refuses to write outside a transaction: the message would not be atomic with the change it announces', async () => {
      await expect(writer.write(db.manager, { topic: 'order.events', type: 'OrderCancelled', aggregateId: randomUUID(), payload: samplePayloads.OrderCancelled() })).rejects.toThrow(
        /needs the EntityManager of a running transaction/,
      );
    });

    it('validates before inserting: an invalid message fails the caller\'s transaction and leaves no row', async () => {
      const aggregateId = randomUUID();
      await expect(
        db.transaction((tx) => writer.write(tx, { topic: 'order.events', type: 'OrderConfirmed', aggregateId, payload: { ...samplePayloads.OrderConfirmed(), currency: 'euro' } })),
      ).rejects.toThrow(MessageValidationError);
      expect(await db.query(`SELECT 1 FROM outbox WHERE message_key = $1`, [aggregateId])).toEqual([]);
    });
  });

  it('(b) two relays at once over 500 messages: each message published exactly once, every key in order', async () => {
    const target = await topic('two-relays');
    const writer = new OutboxWriter('product-service');
    const keys = Array.from({ length: 25 }, () => randomUUID());
    const written: string[] = [];
    // 50 transactions of 10, interleaving the 25 keys; `available` counts each key's messages 0, 1, 2...
    for (let tx = 0; tx < 50; tx++) {
      await db.transaction(async (manager) => {
        for (let i = tx * 10; i < tx * 10 + 10; i++) {
          const productId = keys[i % 25];
          const envelope = await writer.write(manager, { topic: target, type: 'StockChanged', aggregateId: productId, payload: { productId, available: Math.floor(i / 25) } });
          written.push(envelope.id);
        }
      });
    }

    /** Counts what a relay sent; slow by a random 0-20 ms per send, so the two relays overlap and race. */
    const counting = (inner: MessagePublisher) => {
      const counter = { sent: 0, publish: async (batch: Parameters<MessagePublisher['publish']>[0]) => {
        await sleep(Math.random() * 20);
        await inner.publish(batch);
        counter.sent += batch.reduce((sum, { messages }) => sum + messages.length, 0);
      } };
      return counter;
    };
    const publisherA = new KafkaPublisher(() => createPublisherProducer(kafka));
    const publisherB = new KafkaPublisher(() => createPublisherProducer(kafka));
    const a = counting(publisherA);
    const b = counting(publisherB);
    // Two pools: two "processes" as far as PostgreSQL's row locks are concerned.
    const relayA = new OutboxRelay({ dataSource: await database.connect('relay-a'), publisher: a, settings: { batchSize: 20, pollIntervalMs: 50 } });
    const relayB = new OutboxRelay({ dataSource: await database.connect('relay-b'), publisher: b, settings: { batchSize: 20, pollIntervalMs: 50 } });
    try {
      relayA.start();
      relayB.start();
      await waitUntil('the outbox to drain', async () => (await unpublished(db)) === 0, Boolean, { timeoutMs: 60_000 });
    } finally {
      await Promise.all([relayA.stop(), relayB.stop()]);
      await Promise.all([publisherA.disconnect(), publisherB.disconnect()]);
    }

    expect(a.sent + b.sent).toBe(500);
    expect(a.sent).toBeGreaterThan(0); // both took part, or this would not test concurrency
    expect(b.sent).toBeGreaterThan(0);

    const onTopic = await readTopic(kafka, target);
    const ids = onTopic.map((m) => m.headers['message-id']);
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect([...ids].sort()).toEqual([...written].sort());
    for (const key of keys) {
      const ofKey = onTopic.filter((m) => m.key === key); // sorted by partition, then offset
      expect(new Set(ofKey.map((m) => m.partition)).size).toBe(1);
      expect(ofKey.map((m) => JSON.parse(m.value!).payload.available)).toEqual([...Array(20).keys()]);
    }
  }, 120_000);

  it('(c) Kafka unreachable: rows stay with attempts and the error, the backlog shows; once it answers, all are published in order', async () => {
    const target = await topic('kafka-down');
    const port = await freePort();
    // A client whose bootstrap address refuses connections until the proxy below opens on it.
    const unreachable = testKafka('outbox-kafka-down', { brokers: [`127.0.0.1:${port}`], connectionTimeout: 1_000, retry: { retries: 1, initialRetryTime: 100 } });
    const publisher = new KafkaPublisher(() => createPublisherProducer(unreachable, { retries: 1 }));
    const registry = new Registry();
    const metrics = EventsMetrics.for(registry);
    const relay = new OutboxRelay({
      dataSource: db,
      publisher,
      metrics,
      settings: { pollIntervalMs: 100, sampleIntervalMs: 100, failureBackoff: { initialMs: 100, maxMs: 400 } },
    });
    const writer = new OutboxWriter('order-service');
    const [k1, k2] = [randomUUID(), randomUUID()];
    const written = await db.transaction(async (tx) => {
      const ids: string[] = [];
      for (let n = 0; n < 6; n++) {
        const orderId = n % 2 === 0 ? k1 : k2;
        ids.push((await writer.write(tx, { topic: target, type: 'OrderRejected', aggregateId: orderId, payload: { orderId, userId: randomUUID(), reason: `step ${n}` } })).id);
      }
      return ids;
    });
    const rows = () => db.query(`SELECT id, attempts, last_error, published_at FROM outbox WHERE id = ANY($1::uuid[])`, [written]);
    let proxy: { close(): Promise<void> } | undefined;
    try {
      relay.start();
      await waitUntil('two failed attempts on every row', async () => (await rows()).every((row: { attempts: number }) => row.attempts >= 2), Boolean, { timeoutMs: 30_000 });
      for (const row of await rows()) {
        expect(row.published_at).toBeNull();
        expect(row.last_error).toMatch(/ECONNREFUSED|Connection error|connect/i);
      }
      await waitUntil('backlog gauge at 6', async () => (await registry.getSingleMetric('ecotrack_outbox_backlog')!.get()).values[0]?.value === 6, Boolean, { timeoutMs: 30_000 });
      expect((await registry.getSingleMetric('ecotrack_outbox_oldest_age_seconds')!.get()).values[0].value).toBeGreaterThan(0);
      expect((await registry.getSingleMetric('ecotrack_outbox_publish_failures_total')!.get()).values[0].value).toBeGreaterThanOrEqual(2);

      proxy = await startTcpProxy(port, brokers()[0]); // Kafka "comes back"
      await waitUntil('all rows published after recovery', async () => (await rows()).every((row: { published_at: Date | null }) => row.published_at !== null), Boolean, { timeoutMs: 60_000 });
      await waitUntil('backlog gauge back to 0', async () => (await registry.getSingleMetric('ecotrack_outbox_backlog')!.get()).values[0]?.value === 0, Boolean, { timeoutMs: 30_000 });
    } finally {
      await relay.stop();
      await publisher.disconnect();
      await proxy?.close();
    }

    const onTopic = await readTopic(kafka, target);
    expect(onTopic.map((m) => m.headers['message-id']).sort()).toEqual([...written].sort());
    for (const key of [k1, k2]) {
      expect(onTopic.filter((m) => m.key === key).map((m) => JSON.parse(m.value!).payload.reason)).toEqual(
        key === k1 ? ['step 0', 'step 2', 'step 4'] : ['step 1', 'step 3', 'step 5'],
      );
    }
    const published = (await registry.getSingleMetric('ecotrack_outbox_published_total')!.get()).values.find((v) => v.labels.topic === target);
    expect(published?.value).toBe(6);
  }, 120_000);

  it('deletes published rows after the retention, never unpublished or recent ones', async () => {
    const writer = new OutboxWriter('order-service');
    const draft = () => ({ topic: 'order.events', type: 'OrderCancelled' as const, aggregateId: randomUUID(), payload: samplePayloads.OrderCancelled() });
    const [old, recent, pending] = await db.transaction(async (tx) => [await writer.write(tx, draft()), await writer.write(tx, draft()), await writer.write(tx, draft())]);
    await db.query(`UPDATE outbox SET published_at = now() - interval '2 hours' WHERE id = $1`, [old.id]);
    await db.query(`UPDATE outbox SET published_at = now() WHERE id = $1`, [recent.id]);
    const relay = new OutboxRelay({ dataSource: db, publisher: { publish: async () => undefined }, settings: { retentionMs: 3600_000 } });
    expect(await relay.prunePublished()).toBe(1);
    const left = (await db.query(`SELECT id FROM outbox WHERE id = ANY($1::uuid[])`, [[old.id, recent.id, pending.id]])).map((r: { id: string }) => r.id);
    expect(left.sort()).toEqual([recent.id, pending.id].sort());
    await db.query(`DELETE FROM outbox WHERE id = ANY($1::uuid[])`, [[recent.id, pending.id]]);
  });
});
