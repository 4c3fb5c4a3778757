import { createEnvelope, decodeHeaders, EventsRuntime, Header, messageHeaders, topics, type Envelope, type MessageType, type OutgoingPayload } from '@ecotrack/events';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheInvalidation } from '../src/cache/cache-invalidation';

/** Polls until `probe` gives a value (not undefined/false); fails naming what it waited for. Never a fixed sleep. */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** `promise`, or a failure naming what did not happen within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once the app's consumers (the events runtime's, for product.commands, and the cache's,
 * for product.events) have started and joined their groups. Both start once the app is READY,
 * which startInProcess marks.
 */
export async function consumersJoined(app: NestFastifyApplication, timeoutMs = 90_000): Promise<void> {
  const runtime = app.get(EventsRuntime);
  const cache = app.get(CacheInvalidation);
  for (const [name, started] of [
    ['the events runtime', () => runtime.consumer],
    ['the cache invalidation', () => cache.consumer],
  ] as const) {
    const consumer = await waitFor(started, `${name} to start its consumer`, timeoutMs);
    await within(consumer.joined, `consumer group ${consumer.groupId} to be joined`, timeoutMs);
  }
}

/** A counter or gauge from the app's own /metrics, for the series with these labels (0 when absent). */
export async function metricValue(app: NestFastifyApplication, name: string, labels: Record<string, string>): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([label, value]) => l.includes(`${label}="${value}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const testKafka = () => new Kafka({ clientId: 'saga-player', brokers: (process.env.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.NOTHING });

/** Sets a (new) group's committed offsets to the current end of those of `topicNames` that exist: it will see only what comes next. */
async function startGroupAtEnd(admin: Admin, groupId: string, topicNames: string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  for (const topic of topicNames.filter((name) => existing.has(name))) {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
  }
}

/**
 * A consumer group for this test alone, starting at the current end of the topics. For a consumer
 * whose every message must reach THIS process: in a shared group, another instance of the service
 * (a developer's stack, another suite's child process) may own the partition.
 */
export async function ownGroupAtEnd(prefix: string, topicNames: string[]): Promise<{ groupId: string; remove(): Promise<void> }> {
  const admin = testKafka().admin();
  await admin.connect();
  const groupId = `${prefix}-${randomUUID()}`;
  try {
    await startGroupAtEnd(admin, groupId, topicNames);
  } finally {
    await admin.disconnect();
  }
  return {
    groupId,
    async remove() {
      const cleaner = testKafka().admin();
      await cleaner.connect();
      await cleaner.deleteGroups([groupId]).catch(() => undefined);
      await cleaner.disconnect();
    },
  };
}

/** A message as the player received it: the record's key and headers, the value parsed. */
export interface Received {
  topic: string;
  partition: number;
  key: string | null;
  headers: Record<string, string>;
  envelope: Envelope & { payload: Record<string, unknown> };
}

/** One order's saga as the order-service would run it: its ids. */
export interface SagaIds {
  sagaId: string;
  orderId: string;
}

/**
 * Plays order-service's part against the real broker: produces command envelopes to
 * product.commands (keyed by order id, correlationId = the saga id, as the saga does) and
 * records everything that appears on the watched topics from the moment it started.
 */
export class SagaPlayer {
  readonly received: Received[] = [];
  private constructor(
    private readonly admin: Admin,
    private readonly producer: Producer,
    private readonly consumer: Consumer,
    private readonly groupId: string,
  ) {}

  static async start(watched: string[], timeoutMs = 90_000): Promise<SagaPlayer> {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await waitFor(async () => {
      const existing = new Set(await admin.listTopics());
      return watched.every((topic) => existing.has(topic));
    }, `topics ${watched.join(', ')} to exist`, timeoutMs);

    // A fresh group that starts at the current end of every watched topic: whatever this file
    // causes is seen, and no earlier message is (no race with "latest" being resolved after a join).
    const groupId = `test-saga-player-${randomUUID()}`;
    await startGroupAtEnd(admin, groupId, watched);
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const player = new SagaPlayer(admin, producer, consumer, groupId);
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: watched, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        if (!message.value) return;
        player.received.push({
          topic,
          partition,
          key: message.key?.toString() ?? null,
          headers: decodeHeaders(message.headers),
          envelope: JSON.parse(message.value.toString()),
        });
      },
    });
    await within(joined, 'the player to join its group', timeoutMs);
    return player;
  }

  /** A new saga: fresh saga and order ids. */
  static saga(): SagaIds {
    return { sagaId: randomUUID(), orderId: randomUUID() };
  }

  /** Sends a command of this saga to product.commands (a new message id each time: a resend when repeated). */
  async send<T extends MessageType>(type: T, saga: SagaIds, payload: OutgoingPayload<T>): Promise<Envelope<T>> {
    const envelope = createEnvelope('order-service', { type, aggregateId: saga.orderId, correlationId: saga.sagaId, payload });
    await this.deliver(envelope);
    return envelope;
  }

  /** The very same message again (same id): what Kafka does after a crash or a rebalance. */
  async deliver(envelope: { id: string; type: string; version: number; aggregateId: string }): Promise<void> {
    await this.producer.send({
      topic: topics.product.commands,
      messages: [{ key: envelope.aggregateId, value: JSON.stringify(envelope), headers: messageHeaders(envelope) }],
    });
  }

  /** A message straight onto a topic, as if another instance's relay had published it. */
  async publish(topic: string, envelope: { id: string; type: string; version: number; aggregateId: string }): Promise<void> {
    await this.producer.send({ topic, messages: [{ key: envelope.aggregateId, value: JSON.stringify(envelope), headers: messageHeaders(envelope) }] });
  }

  /** Replies caused by this command (its id is their causationId). */
  repliesTo(command: { id: string }): Received[] {
    return this.received.filter((m) => m.topic === topics.order.sagaReplies && m.envelope.causationId === command.id);
  }

  /** All replies of one saga, in the order they arrived (they share the saga's partition). */
  repliesOf(saga: SagaIds): Received[] {
    return this.received.filter((m) => m.topic === topics.order.sagaReplies && m.envelope.correlationId === saga.sagaId);
  }

  /** Waits for the (first) reply to a command. */
  reply(command: { id: string; type: string }, timeoutMs = 60_000): Promise<Received> {
    return waitFor(() => this.repliesTo(command)[0], `a reply to ${command.type} ${command.id}`, timeoutMs);
  }

  /** Every product.events message about a product (type and payload), in the order they were published. */
  productEvents(productId: string): { type: string; payload: Record<string, unknown>; key: string | null }[] {
    return this.received
      .filter((m) => m.topic === topics.product.events && m.envelope.payload.productId === productId)
      .map((m) => ({ type: m.envelope.type, payload: m.envelope.payload, key: m.key }));
  }

  /** `available` of every StockChanged about a product, in the order they were published (one key, one partition). */
  stockChanges(productId: string): number[] {
    return this.received
      .filter((m) => m.topic === topics.product.events && m.envelope.type === 'StockChanged' && m.envelope.payload.productId === productId)
      .map((m) => m.envelope.payload.available as number);
  }

  /** Waits until the product's StockChanged events end with `available` (a fence: everything before it was published too). */
  stockChangesUntil(productId: string, available: number, timeoutMs = 60_000): Promise<number[]> {
    return waitFor(
      () => {
        const changes = this.stockChanges(productId);
        return changes[changes.length - 1] === available && changes;
      },
      `StockChanged{available: ${available}} for ${productId} (have ${JSON.stringify(this.stockChanges(productId))})`,
      timeoutMs,
    );
  }

  /** Waits for a command in product.commands.dlq. */
  deadLetter(command: { id: string; type: string }, timeoutMs = 60_000): Promise<Received> {
    return waitFor(
      () => this.received.find((m) => m.topic === `${topics.product.commands}.dlq` && m.headers[Header.messageId] === command.id),
      `${command.type} ${command.id} in product.commands.dlq`,
      timeoutMs,
    );
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
