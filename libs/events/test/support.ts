import { Logger } from '@nestjs/common';
import { ScratchDatabase, waitUntil } from '@ecotrack/testing';
import { context, propagation, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { Kafka, logLevel, type Admin, type KafkaConfig } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { InboxMessage } from '../src/consumer/inbox-message.entity';
import { CreateOutboxAndInbox1764700000000 } from '../src/migrations/1764700000000-create-outbox-and-inbox';
import { OutboxMessage } from '../src/outbox/outbox-message.entity';
import { decodeHeaders } from '../src/schemas/headers';

/** Our classes log through Nest's Logger; tests keep warnings and errors only. */
export function quietLogs(): void {
  Logger.overrideLogger(['error', 'warn']);
}

export const brokers = () => (process.env.KAFKA_BROKERS ?? '').split(',');

export function testKafka(clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId, brokers: brokers(), logLevel: logLevel.NOTHING, ...overrides });
}

/** A topic name nobody else uses, so test runs never see each other's messages. */
export const uniqueTopic = (name: string) => `test.events.${name}.${randomUUID().slice(0, 8)}`;

export async function createTopics(admin: Admin, topics: string[], partitions = 3): Promise<void> {
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })), waitForLeaders: true });
}

/** A database of its own for one test file, with the outbox/inbox migration applied exactly as a service would apply it. */
export const eventsDatabase = (purpose: string): Promise<ScratchDatabase> =>
  ScratchDatabase.create(`events_${purpose}`, { entities: [OutboxMessage, InboxMessage], migrations: [CreateOutboxAndInbox1764700000000] });

export interface ReadMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * Everything a topic holds right now (from its low to its high watermarks), in
 * partition order. Reads with a throw-away consumer group, deleted afterwards.
 */
export async function readTopic(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `test-reader-${randomUUID()}`;
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const expected = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    const received: ReadMessage[] = [];
    if (expected > 0) {
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            received.push({
              partition,
              offset: Number(message.offset),
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? null,
              headers: decodeHeaders(message.headers),
            });
          },
        });
        await waitUntil(`${expected} messages on ${topic}`, () => received.length, (count) => count >= expected, { timeoutMs });
      } finally {
        await consumer.disconnect();
      }
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return received.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  } finally {
    await admin.disconnect();
  }
}

/**
 * A TCP pass-through from 127.0.0.1:port to the broker: Kafka clients bootstrap
 * through it, then follow the broker's advertised address. "Kafka comes back".
 */
export async function startTcpProxy(port: number, target: string): Promise<{ close(): Promise<void> }> {
  const [host, targetPort] = target.split(':');
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(targetPort), host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}

/**
 * A real OpenTelemetry SDK for this test file (W3C propagation, async context,
 * spans kept in memory), as a service's preload would set up.
 */
export function startTestTracing(): { exporter: tracing.InMemorySpanExporter; stop(): Promise<void> } {
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
  provider.register();
  return {
    exporter,
    async stop() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
