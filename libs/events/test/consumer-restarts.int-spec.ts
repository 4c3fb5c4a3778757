import { Logger } from '@nestjs/common';
import { createEnvelope, createPublisherProducer, EventsMetrics, KafkaPublisher, messageHeaders, MessageConsumer, MessageHandlers, type MessageConsumerSettings } from '../src';
import { DependencyRegistry } from '@ecotrack/core';
import { deleteRecordsThrough, holdGroup, produceUndecodableBatch, type ScratchDatabase, waitUntil } from '@ecotrack/testing';
import { Kafka, logLevel, type Admin, type Consumer, type Message } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { eventsDatabase } from './support';

/**
 * MessageConsumer against the real broker and PostgreSQL, stopped in each way a consumer can
 * stop: a crash during its first join, a plain stop from outside, and a crash of a running
 * consumer that kafkajs itself would never restart. Each time: it comes back and consumes,
 * the restart is counted, and readiness says it is down, then up again.
 */

const SETTINGS: Partial<MessageConsumerSettings> = {
  restartBackoff: { initialMs: 200, maxMs: 1_000 },
  // Out of the group at all: not ready (a deployment would wait CONSUMER_READINESS_GRACE_MS).
  readinessGraceMs: 0,
  maxWaitTimeMs: 200,
  lagSampleIntervalMs: 0,
};

/** A consumer of its own topic and group, with what the test watches: messages seen, restarts, readiness over time. */
interface Subject {
  consumer: MessageConsumer;
  topic: string;
  seen: string[];
  /** Every kafkajs consumer the MessageConsumer created, oldest first: a restart makes a new one. */
  incarnations: Consumer[];
  restarts(reason: string): Promise<number>;
  inGroupGauge(): Promise<number>;
  /** Every readiness answer that differed from the one before, polled every 50 ms from the start. */
  readiness: string[];
  send(...messages: Message[]): Promise<void>;
}

describe('MessageConsumer comes back after any stop (real Kafka, real PostgreSQL)', () => {
  const kafka = new Kafka({ clientId: 'consumer-restarts-test', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 200 } });
  let admin: Admin;
  let database: ScratchDatabase;
  let db: DataSource;
  let deadLetters: KafkaPublisher;
  const topics: string[] = [];
  const groups: string[] = [];
  const subjects: Subject[] = [];
  let polling = true;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    admin = kafka.admin();
    await admin.connect();
    database = await eventsDatabase('restarts');
    db = await database.connect('consumer-restarts-test');
    deadLetters = new KafkaPublisher(() => createPublisherProducer(kafka));
  }, 60_000);

  afterAll(async () => {
    polling = false;
    await Promise.all(subjects.map((subject) => subject.consumer.stop()));
    await admin?.deleteGroups(groups).catch(() => undefined);
    await admin?.deleteTopics({ topics }).catch(() => undefined);
    await Promise.all([admin?.disconnect(), deadLetters?.disconnect(), database?.drop()]);
  });

  const stockChanged = (): Message & { id: string } => {
    const envelope = createEnvelope('consumer-restarts-test', { type: 'StockChanged', aggregateId: randomUUID(), payload: { productId: randomUUID(), available: 1 } });
    return { id: envelope.id, key: envelope.aggregateId, value: JSON.stringify(envelope), headers: messageHeaders(envelope) };
  };

  async function subject(name: string): Promise<Subject> {
    const topic = `test.consumer-restarts.${name}.${randomUUID().slice(0, 8)}`;
    const groupId = `test-consumer-restarts-${name}-${randomUUID().slice(0, 8)}`;
    topics.push(topic, `${topic}.dlq`);
    groups.push(groupId);
    await admin.createTopics({ topics: [topic, `${topic}.dlq`].map((t) => ({ topic: t, numPartitions: 1 })), waitForLeaders: true });

    const seen: string[] = [];
    const incarnations: Consumer[] = [];
    // The same Kafka client, watched: every consumer it makes is recorded, so the test can reach the current one.
    const watched = Object.create(kafka) as Kafka;
    watched.consumer = (config) => {
      const created = kafka.consumer(config);
      incarnations.push(created);
      return created;
    };
    const registry = new Registry();
    const consumer = new MessageConsumer({
      kafka: watched,
      dataSource: db,
      groupId,
      handlers: new MessageHandlers().on(topic, 'StockChanged', async (message) => void seen.push(message.id)),
      deadLetters,
      metrics: EventsMetrics.for(registry),
      settings: SETTINGS,
    });
    const dependencies = new DependencyRegistry();
    dependencies.register(consumer.readiness);
    const readiness: string[] = [];
    void (async () => {
      while (polling) {
        const state = (await dependencies.probe())[consumer.readiness.name];
        if (readiness.at(-1) !== state) readiness.push(state);
        await sleep(50);
      }
    })();
    const metric = async (name: string, labels: Record<string, string>) =>
      (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value ?? 0;
    const created: Subject = {
      consumer,
      topic,
      seen,
      incarnations,
      readiness,
      restarts: (reason) => metric('ecotrack_consumer_restarts_total', { group: groupId, reason }),
      inGroupGauge: () => metric('ecotrack_consumer_in_group', { group: groupId }),
      send: async (...messages) => {
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({ topic, messages });
        await producer.disconnect();
      },
    };
    subjects.push(created);
    return created;
  }

  /** Down then up again, in that order, among the readiness answers recorded from `from` on. */
  const dippedAndRecovered = (readiness: string[], from: number, down: RegExp) => {
    const after = readiness.slice(from);
    const dip = after.findIndex((state) => down.test(state));
    return dip >= 0 && after.slice(dip + 1).includes('up');
  };

  it('a crash during the first join (the group refuses it), again and again: restarts until it gets in, not ready until then', async () => {
    const s = await subject('first-join');
    const holder = await holdGroup(kafka, s.consumer.groupId, [s.topic]);
    const first = stockChanged();
    await s.send(first);
    s.consumer.start();
    try {
      await waitUntil('three crashed first joins', () => s.restarts('crash'), (n) => n >= 3);
      expect(s.consumer.inGroup).toBe(false);
      expect(await s.inGroupGauge()).toBe(0);
      expect(s.readiness.at(-1)).toMatch(new RegExp(`^down: not in group ${s.consumer.groupId} yet \\(waiting since .+\\); last error at .+: The group member's supported protocols are incompatible`));
      expect(s.seen).toEqual([]);
    } finally {
      await holder.release();
    }
    await waitUntil('the first message, once the group takes the consumer', () => s.seen.length, (n) => n === 1);
    expect(s.seen).toEqual([first.id]);
    expect(s.consumer.inGroup).toBe(true);
    expect(await s.inGroupGauge()).toBe(1);
    await waitUntil('readiness up', () => s.readiness.at(-1), (state) => state === 'up');
    expect(s.readiness[0]).toMatch(/^down: not in group/);
    expect(s.incarnations.length).toBe(s.consumer.restarts + 1);
  }, 120_000);

  it('stopped from outside (a plain stop of the running kafkajs consumer): restarted, counted, readiness dips and recovers', async () => {
    const s = await subject('plain-stop');
    s.consumer.start();
    await waitUntil('the join', () => s.consumer.inGroup);
    await waitUntil('readiness up', () => s.readiness.at(-1), (state) => state === 'up');
    const before = s.readiness.length;

    await s.incarnations.at(-1)!.stop();
    await waitUntil('the restart', () => s.restarts('stopped'), (n) => n === 1);
    const next = stockChanged();
    await s.send(next);
    await waitUntil('the message sent after the stop', () => s.seen.length, (n) => n === 1);
    expect(s.seen).toEqual([next.id]);
    await waitUntil('readiness down, then up again', () => dippedAndRecovered(s.readiness, before, /^down: out of group .*\(grace 0 ms\)/));
    expect(await s.restarts('crash')).toBe(0);
    expect(s.incarnations).toHaveLength(2);
  }, 120_000);

  it('a running consumer crashes on a batch kafkajs cannot decode (not retriable: kafkajs would leave it dead): it keeps coming back, and consumes on once the batch is gone', async () => {
    const s = await subject('undecodable');
    s.consumer.start();
    const before = stockChanged();
    await s.send(before);
    await waitUntil('the message before the bad batch', () => s.seen.length, (n) => n === 1);
    await waitUntil('readiness up', () => s.readiness.at(-1), (state) => state === 'up');
    const mark = s.readiness.length;

    const poison = await produceUndecodableBatch(kafka, s.topic, 0, [{ key: 'poison', value: 'compressed with a codec kafkajs lacks' }]);
    await waitUntil('three crashes on the bad batch', () => s.restarts('crash'), (n) => n >= 3);
    await waitUntil('readiness down naming the crash', () => s.readiness.slice(mark).some((state) => /^down: out of group .*Snappy compression not implemented/.test(state)));
    const after = stockChanged();
    await s.send(after);
    await sleep(1_000);
    expect(s.seen).toEqual([before.id]); // stuck behind the bad batch meanwhile

    await deleteRecordsThrough(kafka, s.topic, 0, poison);
    await waitUntil('the message after the bad batch', () => s.seen.length, (n) => n === 2);
    expect(s.seen).toEqual([before.id, after.id]);
    await waitUntil('readiness up again', () => s.readiness.at(-1), (state) => state === 'up');
    expect(s.consumer.inGroup).toBe(true);
    expect(await s.restarts('stopped')).toBe(0);
    // Processed once each, whatever the restarts: one inbox row per message.
    expect(await db.query('SELECT count(*)::int AS n FROM inbox WHERE consumer = $1', [s.consumer.groupId])).toEqual([{ n: 2 }]);
  }, 120_000);

  it('stop() during a restart loop ends it: no kafkajs consumer is left running, no restart after', async () => {
    const s = await subject('stop-while-looping');
    const holder = await holdGroup(kafka, s.consumer.groupId, [s.topic]);
    try {
      s.consumer.start();
      await waitUntil('a crashed first join', () => s.restarts('crash'), (n) => n >= 1);
      await s.consumer.stop();
      expect(s.consumer.state).toBe('stopped');
      const restarts = s.consumer.restarts;
      await sleep(2_000);
      expect(s.consumer.restarts).toBe(restarts);
      expect(s.incarnations).toHaveLength(restarts + 1);
      const { members } = await admin.describeGroups([s.consumer.groupId]).then((r) => r.groups[0]);
      expect(members).toHaveLength(1); // the holder alone
    } finally {
      await holder.release();
    }
  }, 120_000);
});
