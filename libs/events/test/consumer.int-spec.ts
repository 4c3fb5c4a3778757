import type { Admin, Message, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { freePort, type ScratchDatabase, waitUntil } from '@ecotrack/testing';
import { samplePayloads } from './samples';
import { brokers, createTopics, quietLogs, readTopic, eventsDatabase, startTcpProxy, testKafka, uniqueTopic } from './support';
import { pruneInbox } from '../src/consumer/inbox-retention';
import { MessageConsumer, type MessageConsumerSettings } from '../src/consumer/message-consumer';
import { MessageHandlers, type MessageHandler } from '../src/consumer/message-handlers';
import { NonRetryableMessageError } from '../src/consumer/transient-errors';
import { EventsMetrics } from '../src/metrics/events-metrics';
import { createPublisherProducer, KafkaPublisher } from '../src/outbox/kafka-publisher';
import { messageHeaders } from '../src/schemas/headers';
import type { MessageType, OutgoingPayload } from '../src/schemas/message-schemas';
import { deadLetterTopic } from '../src/schemas/topics';
import { createEnvelope } from '../src/schemas/validation';

/** A Kafka record as a service's relay would produce it. */
function record<T extends MessageType>(type: T, payload: OutgoingPayload<T>, options: { id?: string; aggregateId?: string } = {}): Message & { id: string } {
  const envelope = createEnvelope('test-service', { type, payload, aggregateId: options.aggregateId ?? randomUUID(), id: options.id });
  return { id: envelope.id, key: envelope.aggregateId, value: JSON.stringify(envelope), headers: messageHeaders(envelope) };
}

const FAST: Partial<MessageConsumerSettings> = {
  retryBackoff: { initialMs: 50, maxMs: 200 },
  restartBackoff: { initialMs: 100, maxMs: 500 },
  lagSampleIntervalMs: 0,
  maxWaitTimeMs: 200,
};

describe('idempotent consumer (real PostgreSQL and Kafka)', () => {
  const kafka = testKafka('consumer-int-spec');
  const topics: string[] = [];
  const groups: string[] = [];
  const running: MessageConsumer[] = [];
  let database: ScratchDatabase;
  let db: DataSource;
  let admin: Admin;
  let producer: Producer;
  let publisher: KafkaPublisher;

  beforeAll(async () => {
    quietLogs();
    database = await eventsDatabase('consumer');
    db = await database.connect('product-service');
    // What handlers do in these tests: one row per effect, no unique key, so a double effect would show.
    await db.query(`CREATE TABLE effects (message_id uuid NOT NULL, consumer text NOT NULL, note text)`);
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    publisher = new KafkaPublisher(() => createPublisherProducer(kafka));
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
  });

  afterAll(async () => {
    await admin?.deleteGroups(groups).catch(() => undefined);
    await admin?.deleteTopics({ topics }).catch(() => undefined);
    await Promise.all([admin?.disconnect(), producer?.disconnect(), publisher?.disconnect()]);
    await database?.drop();
  });

  async function topic(name: string, partitions = 1): Promise<string> {
    const created = uniqueTopic(name);
    topics.push(created, deadLetterTopic(created));
    await createTopics(admin, [created, deadLetterTopic(created)], partitions);
    return created;
  }

  function consumerOf(handlers: MessageHandlers, options: { groupId?: string; registry?: Registry; settings?: Partial<MessageConsumerSettings>; kafka?: typeof kafka } = {}) {
    const groupId = options.groupId ?? `test-${randomUUID()}`;
    groups.push(groupId);
    const consumer = new MessageConsumer({
      kafka: options.kafka ?? kafka,
      dataSource: db,
      groupId,
      handlers,
      deadLetters: publisher,
      metrics: EventsMetrics.for(options.registry ?? new Registry()),
      settings: { ...FAST, ...options.settings },
    });
    running.push(consumer);
    return consumer;
  }

  /** Records the effect in the handler's transaction (with the inbox row). */
  const recordEffect = (note = ''): MessageHandler => async (message, { manager }) => {
    await manager.query(`INSERT INTO effects (message_id, consumer, note) VALUES ($1, $2, $3)`, [message.id, 'handler', note]);
  };
  const effectsOf = async (ids: string[]) =>
    (await db.query(`SELECT message_id, count(*)::int AS n FROM effects WHERE message_id = ANY($1::uuid[]) GROUP BY message_id`, [ids])) as { message_id: string; n: number }[];
  const counter = async (registry: Registry, name: string, labels: Record<string, string>) =>
    (await registry.getSingleMetric(name)!.get()).values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);

  it('(d) the same message delivered twice: the effect happens once (inbox), in each consumer group once', async () => {
    const target = await topic('duplicates');
    const first = record('StockChanged', samplePayloads.StockChanged());
    const other = record('StockChanged', samplePayloads.StockChanged());
    await producer.send({ topic: target, messages: [first, first, other] });

    const registry = new Registry();
    const handlers = new MessageHandlers().on(target, 'StockChanged', recordEffect());
    const consumer = consumerOf(handlers, { registry });
    consumer.start();
    await waitUntil('three deliveries', async () => (await counter(registry, 'ecotrack_messages_consumed_total', { topic: target })) >= 3, Boolean, { timeoutMs: 30_000 });

    expect(await effectsOf([first.id, other.id])).toEqual(expect.arrayContaining([{ message_id: first.id, n: 1 }, { message_id: other.id, n: 1 }]));
    expect(await counter(registry, 'ecotrack_messages_consumed_total', { topic: target, result: 'processed' })).toBe(2);
    expect(await counter(registry, 'ecotrack_messages_consumed_total', { topic: target, result: 'duplicate', type: 'StockChanged' })).toBe(1);
    expect(await db.query(`SELECT count(*)::int AS n FROM inbox WHERE consumer = $1`, [consumer.groupId])).toEqual([{ n: 2 }]);

    // Another group (say, another service's consumer) has its own inbox entries: it processes the message too.
    const second = consumerOf(new MessageHandlers().on(target, 'StockChanged', recordEffect()));
    second.start();
    await waitUntil("the second group's effect", async () => (await effectsOf([first.id]))[0]?.n === 2, Boolean, { timeoutMs: 30_000 });
  }, 60_000);

  it('(e) poison messages (not JSON, unknown type, unknown version, invalid payload) go to the DLQ with the error; the partition moves on', async () => {
    const target = await topic('poison');
    const valid = record('OrderCancelled', samplePayloads.OrderCancelled());
    const envelope = JSON.parse(valid.value as string);
    const poison: Message[] = [
      { key: 'k', value: '{"this is": not json' },
      { key: 'k', value: JSON.stringify({ ...envelope, id: randomUUID(), type: 'OrderTeleported' }) },
      { key: 'k', value: JSON.stringify({ ...envelope, id: randomUUID(), version: 9 }) },
      { key: 'k', value: JSON.stringify({ ...envelope, id: randomUUID(), payload: { orderId: 'nope' } }) },
    ];
    await producer.send({ topic: target, messages: [...poison, valid] });

    const registry = new Registry();
    const seen: string[] = [];
    const handlers = new MessageHandlers().on(target, 'OrderCancelled', async (message) => void seen.push(message.id));
    consumerOf(handlers, { registry }).start();
    await waitUntil('the valid message after the poison ones', () => seen.length === 1, Boolean, { timeoutMs: 30_000 });
    expect(seen).toEqual([valid.id]);

    const dead = await readTopic(kafka, deadLetterTopic(target));
    expect(dead.map((m) => m.value)).toEqual(poison.map((m) => m.value)); // the original bytes, in order
    expect(dead.map((m) => [m.headers['original-topic'], m.headers['original-partition'], m.headers['original-offset']])).toEqual([
      [target, '0', '0'],
      [target, '0', '1'],
      [target, '0', '2'],
      [target, '0', '3'],
    ]);
    expect(dead.map((m) => m.headers.error)).toEqual([
      expect.stringMatching(/^value is not JSON: /),
      'unknown message type "OrderTeleported"',
      'unknown version 9 of OrderCancelled (known: 1)',
      expect.stringMatching(/^invalid OrderCancelled v1: payload\.orderId: Invalid uuid; payload\.userId: Required/),
    ]);
    expect(await counter(registry, 'ecotrack_dead_letters_total', { topic: target })).toBe(4);
    expect(await counter(registry, 'ecotrack_messages_consumed_total', { topic: target, result: 'dead_lettered' })).toBe(4);
  }, 60_000);

  it('(f) a handler failing twice then succeeding: processed once, its failed attempts rolled back', async () => {
    const target = await topic('transient');
    const message = record('PaymentAuthorized', samplePayloads.PaymentAuthorized());
    await producer.send({ topic: target, messages: [message] });
    const registry = new Registry();
    const attempts: number[] = [];
    const handlers = new MessageHandlers().on(target, 'PaymentAuthorized', async (received, context) => {
      attempts.push(context.attempt);
      await recordEffect(`attempt ${context.attempt}`)(received, context);
      if (context.attempt < 3) throw new Error('gateway timeout');
    });
    consumerOf(handlers, { registry, settings: { maxAttempts: 5 } }).start();
    await waitUntil('processing', async () => (await counter(registry, 'ecotrack_messages_consumed_total', { topic: target, result: 'processed' })) === 1, Boolean, { timeoutMs: 30_000 });

    expect(attempts).toEqual([1, 2, 3]);
    expect(await db.query(`SELECT note FROM effects WHERE message_id = $1`, [message.id])).toEqual([{ note: 'attempt 3' }]);
    expect(await counter(registry, 'ecotrack_messages_consumed_total', { topic: target, result: 'retried' })).toBe(2);
  }, 60_000);

  it('(f) a handler that always fails: dead-lettered after N attempts, the next message is processed; a NonRetryableMessageError skips the retries', async () => {
    const target = await topic('always-failing');
    const broken = record('PaymentVoided', samplePayloads.PaymentVoided());
    const hopeless = record('PaymentVoided', samplePayloads.PaymentVoided());
    const fine = record('PaymentVoided', samplePayloads.PaymentVoided());
    await producer.send({ topic: target, messages: [broken, hopeless, fine] });
    const calls: Record<string, number> = {};
    const handlers = new MessageHandlers().on(target, 'PaymentVoided', async (message, context) => {
      calls[message.id] = (calls[message.id] ?? 0) + 1;
      await recordEffect()(message, context);
      if (message.id === broken.id) throw new Error('always broken');
      if (message.id === hopeless.id) throw new NonRetryableMessageError('payment does not exist');
    });
    const registry = new Registry();
    consumerOf(handlers, { registry, settings: { maxAttempts: 3 } }).start();
    // Each message has its own key: the fine one does not wait for the broken one's retries (see handleInKeyLanes).
    await waitUntil('the message after the failing ones', async () => (await effectsOf([fine.id])).length === 1, Boolean, { timeoutMs: 30_000 });
    await waitUntil('both failing ones dead-lettered', () => counter(registry, 'ecotrack_dead_letters_total', { topic: target }), (n) => n === 2, { timeoutMs: 30_000 });

    expect(calls).toEqual({ [broken.id]: 3, [hopeless.id]: 1, [fine.id]: 1 });
    expect(await effectsOf([broken.id, hopeless.id])).toEqual([]); // every failed attempt rolled back
    const dead = await readTopic(kafka, deadLetterTopic(target));
    // Different keys: either may be dead-lettered first.
    expect(dead.map((m) => [m.headers['message-id'], m.headers.error, m.headers.attempts]).sort((a, b) => a[1].localeCompare(b[1]))).toEqual([
      [broken.id, 'always broken', '3'],
      [hopeless.id, 'payment does not exist', '1'],
    ]);
    expect(await db.query(`SELECT message_id FROM inbox WHERE message_id = ANY($1::uuid[])`, [[broken.id, hopeless.id]])).toEqual([]);
  }, 60_000);

  it('(g) stopped in the middle of a stream and replaced: nothing lost, nothing processed twice', async () => {
    const target = await topic('graceful-stop', 3);
    const messages = Array.from({ length: 300 }, (_, n) => record('StockChanged', { productId: randomUUID(), available: n }));
    await producer.send({ topic: target, messages });
    let invocations = 0;
    const slowEffect: MessageHandler = async (message, context) => {
      invocations++;
      await recordEffect()(message, context);
      await sleep(3);
    };
    const groupId = `test-graceful-${randomUUID()}`;
    const registryA = new Registry();
    const first = consumerOf(new MessageHandlers().on(target, 'StockChanged', slowEffect), { groupId, registry: registryA });
    first.start();
    const ids = messages.map((m) => m.id);
    await waitUntil('60 messages processed', async () => (await effectsOf(ids)).length >= 60, Boolean, { timeoutMs: 30_000 });
    await first.stop();
    const afterStop = (await effectsOf(ids)).length;
    expect(afterStop).toBeLessThan(300); // it really stopped mid-stream
    expect(invocations).toBe(afterStop); // every message it started, it finished (and committed)

    const registryB = new Registry();
    consumerOf(new MessageHandlers().on(target, 'StockChanged', slowEffect), { groupId, registry: registryB }).start();
    await waitUntil('all 300 messages', async () => (await effectsOf(ids)).length === 300, Boolean, { timeoutMs: 60_000 });

    expect((await effectsOf(ids)).every((effect) => effect.n === 1)).toBe(true);
    expect(invocations).toBe(300); // the second consumer started exactly where the first one committed
    expect((await counter(registryA, 'ecotrack_messages_consumed_total', { result: 'duplicate' })) + (await counter(registryB, 'ecotrack_messages_consumed_total', { result: 'duplicate' }))).toBe(0);
  }, 120_000);

  it('keeps heartbeating while a handler runs longer than the session timeout: no lost membership, no rebalance, processed once', async () => {
    const target = await topic('long-handler');
    const message = record('NotificationSent', samplePayloads.NotificationSent());
    await producer.send({ topic: target, messages: [message] });
    let invocations = 0;
    const handlers = new MessageHandlers().on(target, 'NotificationSent', async () => {
      invocations++;
      await sleep(9_000); // longer than the 6 s session below
    });
    // 6 s is the broker's smallest allowed session timeout (group.min.session.timeout.ms).
    const consumer = consumerOf(handlers, { settings: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 } });
    consumer.start();
    await waitUntil('the offset commit after the long handler', async () => {
      const [{ partitions }] = await admin.fetchOffsets({ groupId: consumer.groupId, topics: [target] });
      return partitions[0].offset === '1';
    }, Boolean, { timeoutMs: 40_000 });
    expect(invocations).toBe(1);
    expect(consumer.joins).toBe(1);
  }, 60_000);

  it('starts while Kafka is unreachable, keeps trying in the background, and consumes once Kafka answers', async () => {
    const target = await topic('kafka-down-at-start');
    const message = record('UserRegistered', samplePayloads.UserRegistered());
    await producer.send({ topic: target, messages: [message] });
    const port = await freePort();
    const unreachable = testKafka('consumer-kafka-down', { brokers: [`127.0.0.1:${port}`], connectionTimeout: 500, retry: { retries: 0 } });
    const seen: string[] = [];
    const consumer = consumerOf(new MessageHandlers().on(target, 'UserRegistered', async (m) => void seen.push(m.id)), { kafka: unreachable });
    consumer.start(); // returns at once
    expect(consumer.state).toBe('connecting');
    await sleep(1_500); // a few failed attempts
    expect(consumer.state).toBe('connecting');
    const proxy = await startTcpProxy(port, brokers()[0]);
    try {
      await waitUntil('the message once Kafka is reachable', () => seen.length === 1, Boolean, { timeoutMs: 30_000 });
      expect(consumer.state).toBe('running');
    } finally {
      await consumer.stop();
      await proxy.close();
    }
    expect(consumer.state).toBe('stopped');
  }, 60_000);

  it('a database connection lost mid-handler is waited out, not counted as a failed attempt (no dead letter with maxAttempts 1)', async () => {
    const target = await topic('db-outage');
    const message = record('OrderConfirmed', samplePayloads.OrderConfirmed());
    await producer.send({ topic: target, messages: [message] });
    const registry = new Registry();
    let calls = 0;
    const handlers = new MessageHandlers().on(target, 'OrderConfirmed', async (received, context) => {
      calls++;
      // The first time, PostgreSQL drops this very connection (57P01), as in a failover or restart.
      if (calls === 1) await context.manager.query('SELECT pg_terminate_backend(pg_backend_pid())');
      await recordEffect()(received, context);
    });
    consumerOf(handlers, { registry, settings: { maxAttempts: 1 } }).start();
    await waitUntil('the effect after the reconnect', async () => (await effectsOf([message.id])).length === 1, Boolean, { timeoutMs: 30_000 });
    expect(calls).toBe(2);
    expect(await counter(registry, 'ecotrack_dead_letters_total', { topic: target })).toBe(0);
  }, 60_000);

  it('inbox retention deletes only entries older than the retention', async () => {
    const [old, recent] = [randomUUID(), randomUUID()];
    await db.query(`INSERT INTO inbox (consumer, message_id, processed_at) VALUES ('retention-test', $1, now() - interval '15 days'), ('retention-test', $2, now())`, [old, recent]);
    expect(await pruneInbox(db, 14 * 24 * 3600_000)).toBe(1);
    expect(await db.query(`SELECT message_id FROM inbox WHERE consumer = 'retention-test'`)).toEqual([{ message_id: recent }]);
  });
});
