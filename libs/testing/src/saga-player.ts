import type { Admin, Consumer, IHeaders, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { startGroupAtEnd, testKafka } from './kafka-groups';
import { waitUntil, within } from './wait';

/** An envelope as the player sends and records it: the fields of the events lib's Envelope it reads. */
export interface PlayedEnvelope {
  id: string;
  type: string;
  version: number;
  aggregateId: string;
  correlationId?: string;
  causationId?: string;
  payload: Record<string, unknown>;
}

/**
 * What the player needs of the events lib, handed in by the test: libs/testing sits below that lib
 * (whose own tests use libs/testing), so it cannot import it. Pass the lib's own functions:
 * `{ createEnvelope, messageHeaders, decodeHeaders, parseMessageValue, ensureTopics }`.
 */
export interface PlayerEnvelopes {
  createEnvelope(source: string, draft: { type: string; aggregateId: string; correlationId?: string; payload: unknown }): PlayedEnvelope;
  messageHeaders(envelope: { id: string; type: string; version: number }): Record<string, string>;
  decodeHeaders(headers: IHeaders | undefined): Record<string, string>;
  parseMessageValue(value: Buffer | null): { ok: true; envelope: PlayedEnvelope } | { ok: false; error: string };
  ensureTopics(admin: Admin, topics: readonly string[]): Promise<unknown>;
}

export interface SagaPlayerOptions {
  envelopes: PlayerEnvelopes;
  /** Where the player sends commands: the topic the participant under test reads. */
  commands: string;
  /** Where the participant answers the saga. */
  replies: string;
  /** Where the participant's consumer puts commands it cannot take. */
  deadLetters: string;
  /** More topics to record (the participant's events). */
  alsoWatched?: string[];
  /** The commands' source: the service that runs the saga. */
  source?: string;
  timeoutMs?: number;
}

/** A message as the player received it: the record's key and headers, the value parsed and VALIDATED against the schemas. */
export interface Received {
  topic: string;
  partition: number;
  key: string | null;
  headers: Record<string, string>;
  envelope: PlayedEnvelope;
}

/** One saga as the orchestrator runs it: its ids. */
export interface SagaIds {
  sagaId: string;
  orderId: string;
}

/**
 * Plays the orchestrator's part (order-service's) against the real broker, for a participant's
 * tests: produces command envelopes (keyed by order id, correlationId = the saga id, as the saga's
 * outbox does) and records, validated, what appears on the watched topics from the moment it
 * started. `Commands` maps each command type to its payload (the events lib's CommandPayloads).
 */
export class SagaPlayer<Commands extends object = Record<string, Record<string, unknown>>> {
  readonly received: Received[] = [];
  /** Values on the watched topics that are not valid messages (there should be none). */
  readonly invalid: string[] = [];

  private constructor(
    private readonly options: SagaPlayerOptions,
    private readonly admin: Admin,
    private readonly producer: Producer,
    private readonly consumer: Consumer,
    private readonly groupId: string,
  ) {}

  static async start<Commands extends object>(options: SagaPlayerOptions): Promise<SagaPlayer<Commands>> {
    const { envelopes, commands, replies, deadLetters, alsoWatched = [], timeoutMs = 90_000 } = options;
    const watched = [replies, deadLetters, ...alsoWatched];
    const kafka = testKafka('saga-player');
    const admin = kafka.admin();
    await admin.connect();
    await envelopes.ensureTopics(admin, [commands, ...watched]);
    // A fresh group that starts at the current end of every watched topic: whatever the test causes
    // is seen, no earlier message is.
    const groupId = `test-saga-player-${randomUUID()}`;
    await startGroupAtEnd(admin, groupId, watched);
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const player = new SagaPlayer<Commands>(options, admin, producer, consumer, groupId);
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: watched, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const parsed = envelopes.parseMessageValue(message.value);
        if (!parsed.ok) {
          player.invalid.push(`${topic}: ${parsed.error}`);
          return;
        }
        player.received.push({ topic, partition, key: message.key?.toString() ?? null, headers: envelopes.decodeHeaders(message.headers), envelope: parsed.envelope });
      },
    });
    await within(joined, 'the player to join its group', timeoutMs);
    return player;
  }

  /** A new saga: fresh saga and order ids. */
  static saga(): SagaIds {
    return { sagaId: randomUUID(), orderId: randomUUID() };
  }

  /** Sends a command of this saga (a new message id each time: a RESEND when repeated). */
  async send<T extends keyof Commands & string>(type: T, saga: SagaIds, payload: Commands[T]): Promise<PlayedEnvelope> {
    const source = this.options.source ?? 'order-service';
    const envelope = this.options.envelopes.createEnvelope(source, { type, aggregateId: saga.orderId, correlationId: saga.sagaId, payload });
    await this.deliver(envelope);
    return envelope;
  }

  /** The very same message again (same id): what Kafka does after a crash or a rebalance. */
  deliver(envelope: PlayedEnvelope): Promise<void> {
    return this.publish(this.options.commands, envelope);
  }

  /** A message straight onto a topic, as if another instance's relay had published it. */
  async publish(topic: string, envelope: PlayedEnvelope): Promise<void> {
    const headers = this.options.envelopes.messageHeaders(envelope);
    await this.producer.send({ topic, messages: [{ key: envelope.aggregateId, value: JSON.stringify(envelope), headers }] });
  }

  /** What arrived on a topic (that the predicate takes), in the order it arrived. */
  on(topic: string, predicate: (message: Received) => boolean = () => true): Received[] {
    return this.received.filter((message) => message.topic === topic && predicate(message));
  }

  /** Replies caused by this command (its id is their causationId). */
  repliesTo(command: { id: string }): Received[] {
    return this.on(this.options.replies, (message) => message.envelope.causationId === command.id);
  }

  /** All replies of one saga, in the order they arrived (they share the saga's partition). */
  repliesOf(saga: SagaIds): Received[] {
    return this.on(this.options.replies, (message) => message.envelope.correlationId === saga.sagaId);
  }

  /** Waits for the (first) reply to a command. */
  reply(command: { id: string; type: string }, timeoutMs = 60_000): Promise<Received> {
    return this.next(`a reply to ${command.type} ${command.id}`, () => this.repliesTo(command)[0], timeoutMs);
  }

  /** Waits for a command on the dead-letter topic (the record's value is the command as sent). */
  deadLetter(command: { id: string; type: string }, timeoutMs = 60_000): Promise<Received> {
    const { deadLetters } = this.options;
    return this.next(`${command.type} ${command.id} in ${deadLetters}`, () => this.on(deadLetters, (message) => message.envelope.id === command.id)[0], timeoutMs);
  }

  /** Waits until `find` finds a message. */
  async next(what: string, find: () => Received | undefined, timeoutMs = 60_000): Promise<Received> {
    return (await waitUntil(what, find, (message) => message !== undefined, { timeoutMs, intervalMs: 50 }))!;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  /** Removes a commands topic of the test's own (and its dead-letter topic), and the group the service read it in. */
  async dropCommandsTopic(serviceGroupId: string): Promise<void> {
    await this.admin.deleteGroups([serviceGroupId]).catch(() => undefined);
    await this.admin.deleteTopics({ topics: [this.options.commands, this.options.deadLetters] }).catch(() => undefined);
  }
}
