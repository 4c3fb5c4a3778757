import { createEnvelope, decodeHeaders, ensureTopics, EventsRuntime, Header, messageHeaders, parseMessageValue, type Envelope, type MessageType, type OutgoingPayload } from '@ecotrack/events';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls until `probe` gives a value (not undefined/false); fails naming what it waited for. Never a fixed sleep. */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: () => string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(50);
  }
}

/** `promise`, or a failure naming what did not happen within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves once the app's events runtime has started its consumer (it does once the app is ready) and the consumer joined its group. */
export async function consumerJoined(app: NestFastifyApplication, timeoutMs = 90_000): Promise<string> {
  const runtime = app.get(EventsRuntime);
  const consumer = await waitFor(() => runtime.consumer, () => 'the events runtime to start its consumer', timeoutMs);
  await within(consumer.joined, `consumer group ${consumer.groupId} to be joined`, timeoutMs);
  return consumer.groupId;
}

/** A message as the player received it: the record's key and headers, the value parsed and VALIDATED against the schemas. */
export interface Received {
  topic: string;
  partition: number;
  key: string | null;
  headers: Record<string, string>;
  envelope: Envelope;
  /** The payload, for assertions (the envelope's is a union over all types). */
  payload: Record<string, unknown>;
}

/** One order's saga as order-service runs it: its ids (the saga chooses the payment id up front). */
export interface Saga {
  sagaId: string;
  orderId: string;
  paymentId: string;
  userId: string;
}

/**
 * Plays order-service's part against the real broker: produces command envelopes (keyed by order id,
 * correlationId = the saga id, as the saga's outbox does) to the commands topic the payment-service
 * under test reads, and records what appears on the watched topics from the moment it started.
 */
export class SagaPlayer {
  readonly received: Received[] = [];
  /** Values on the watched topics that are not valid messages (there should be none from us). */
  readonly invalid: string[] = [];

  private constructor(
    private readonly admin: Admin,
    private readonly producer: Producer,
    private readonly consumer: Consumer,
    private readonly groupId: string,
    private readonly commandsTopic: string,
  ) {}

  static async start(commandsTopic: string, watched: string[], timeoutMs = 90_000): Promise<SagaPlayer> {
    const kafka = new Kafka({ clientId: 'payment-saga-player', brokers: (process.env.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [commandsTopic, ...watched], { partitions: 3, replicationFactor: -1 });
    // A fresh group that starts at the current end of every watched topic: whatever this file causes
    // is seen, no earlier message is, and there is no race with "latest" being resolved after a join.
    const groupId = `test-payment-saga-player-${randomUUID()}`;
    for (const topic of watched) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
    }
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const player = new SagaPlayer(admin, producer, consumer, groupId, commandsTopic);
    let joined!: () => void;
    const hasJoined = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: watched, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const parsed = parseMessageValue(message.value);
        if (!parsed.ok) {
          player.invalid.push(`${topic}: ${parsed.error}`);
          return;
        }
        player.received.push({
          topic,
          partition,
          key: message.key?.toString() ?? null,
          headers: decodeHeaders(message.headers),
          envelope: parsed.envelope,
          payload: parsed.envelope.payload as Record<string, unknown>,
        });
      },
    });
    await within(hasJoined, 'the player to join its group', timeoutMs);
    return player;
  }

  static saga(): Saga {
    return { sagaId: randomUUID(), orderId: randomUUID(), paymentId: randomUUID(), userId: randomUUID() };
  }

  /** Sends a command of this saga (a new message id each time: a RESEND when repeated). */
  async send<T extends MessageType>(type: T, saga: Saga, payload: OutgoingPayload<T>): Promise<Envelope<T>> {
    const envelope = createEnvelope('order-service', { type, aggregateId: saga.orderId, correlationId: saga.sagaId, payload });
    await this.deliver(envelope);
    return envelope;
  }

  /** The very same message again (same id): what Kafka does after a crash or a rebalance. */
  async deliver(envelope: { id: string; type: string; version: number; aggregateId: string }): Promise<void> {
    await this.producer.send({
      topic: this.commandsTopic,
      messages: [{ key: envelope.aggregateId, value: JSON.stringify(envelope), headers: messageHeaders(envelope) }],
    });
  }

  on(topic: string, predicate: (message: Received) => boolean = () => true): Received[] {
    return this.received.filter((message) => message.topic === topic && predicate(message));
  }

  /** Replies caused by this command (its id is their causationId). */
  repliesTo(topic: string, command: { id: string }): Received[] {
    return this.on(topic, (message) => message.envelope.causationId === command.id);
  }

  /** Waits for the (first) reply to a command. */
  reply(topic: string, command: { id: string; type: string }, timeoutMs = 60_000): Promise<Received> {
    return waitFor(() => this.repliesTo(topic, command)[0], () => `a reply to ${command.type} ${command.id}`, timeoutMs);
  }

  /** Waits for a command on the commands topic's dead-letter topic. */
  deadLetter(command: { id: string; type: string }, timeoutMs = 60_000): Promise<Received> {
    const topic = `${this.commandsTopic}.dlq`;
    return waitFor(() => this.on(topic, (message) => message.headers[Header.messageId] === command.id)[0], () => `${command.type} ${command.id} in ${topic}`, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  /** Removes the test's own commands topic (and its dead-letter topic) and the service's test group. */
  async dropCommandsTopic(serviceGroupId: string): Promise<void> {
    await this.admin.deleteGroups([serviceGroupId]).catch(() => undefined);
    await this.admin.deleteTopics({ topics: [this.commandsTopic, `${this.commandsTopic}.dlq`] }).catch(() => undefined);
  }
}
